"""The agency registry's rules without I/O: what a valid agency is, who manages which agency,
who may change which fields, closing, and reading the Host header."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, Forbidden, Invalid
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core import agencies as rules
from gongnon_gateway.core.agencies import Agency, AgencyStatus, Branding

T0 = datetime(2026, 3, 1, tzinfo=UTC)
GANGNAM = Agency(
    "gangnam", "강남문화재단", "Gangnam Foundation", "gangnam.example.kr", Branding(), AgencyStatus.ACTIVE, T0
)
SEOUL = Agency("seoul", "서울특별시", "Seoul", None, Branding(), AgencyStatus.ACTIVE, T0, is_host_agency=True)
SUPER = Actor(account_id="root", role=ActorRole.SUPER_ADMIN)
GANGNAM_ADMIN = Actor(account_id="ga", role=ActorRole.AGENCY_ADMIN, agency="gangnam")
BUSAN_ADMIN = Actor(account_id="ba", role=ActorRole.AGENCY_ADMIN, agency="busan")
GANGNAM_OPERATOR = Actor(account_id="go", role=ActorRole.OPERATOR, agency="gangnam")


def test_a_valid_agency() -> None:
    rules.check_new("gangnam-foundation", "강남문화재단", "Gangnam", "gangnam.example.kr", Branding())
    rules.check_new("ab", "가", "A", None, Branding("https://cdn.example.kr/logo.png", "#000000", "#FFFFFF"))


@pytest.mark.parametrize(
    ("agency_id", "host", "branding", "field"),
    [
        ("Gangnam", None, Branding(), "id"),
        ("1gangnam", None, Branding(), "id"),
        ("g", None, Branding(), "id"),
        ("gangnam", "gangnam.example.kr:8080", Branding(), "host"),
        ("gangnam", "-bad.example.kr", Branding(), "host"),
        ("gangnam", "a" * 254, Branding(), "host"),
        ("gangnam", None, Branding(primary_color="red"), "primary_color"),
        ("gangnam", None, Branding(accent_color="#12345"), "accent_color"),
        ("gangnam", None, Branding(logo_url="http://plain.example.kr/logo.png"), "logo_url"),
        ("gangnam", None, Branding(logo_url='https://x.kr/"onload="alert(1)'), "logo_url"),
    ],
)
def test_invalid_agencies(agency_id: str, host: str | None, branding: Branding, field: str) -> None:
    with pytest.raises(Invalid) as err:
        rules.check_new(agency_id, "이름", "Name", host, branding)
    assert err.value.code == "invalid_agency"
    assert field in str(err.value.details)


def test_who_manages_an_agency() -> None:
    assert rules.may_manage(SUPER, "gangnam")
    assert rules.may_manage(GANGNAM_ADMIN, "gangnam")
    assert not rules.may_manage(GANGNAM_ADMIN, "busan")
    assert not rules.may_manage(GANGNAM_OPERATOR, "gangnam")
    assert not rules.may_manage(None, "gangnam")
    with pytest.raises(Forbidden) as err:
        rules.require_manager(BUSAN_ADMIN, "gangnam")
    assert err.value.code == "other_agency"
    with pytest.raises(Forbidden):
        rules.require_manager(GANGNAM_OPERATOR, "gangnam")


def test_the_agency_admin_changes_names_and_branding_only() -> None:
    rules.check_patch(GANGNAM_ADMIN, GANGNAM, {"name_ko", "branding"})
    with pytest.raises(Forbidden) as err:
        rules.check_patch(GANGNAM_ADMIN, GANGNAM, {"host"})
    assert err.value.code == "super_admin_only"
    rules.check_patch(SUPER, GANGNAM, {"host", "name_en"})
    with pytest.raises(Forbidden) as err:
        rules.check_patch(BUSAN_ADMIN, GANGNAM, {"branding"})
    assert err.value.code == "other_agency"
    closed = rules.closed(GANGNAM, T0)
    with pytest.raises(Conflict) as err:
        rules.check_patch(SUPER, closed, {"name_ko"})
    assert err.value.code == "agency_closed"


def test_patched_merges_branding_and_names_what_changed() -> None:
    updated, changed = rules.patched(
        GANGNAM, {"name_ko": " 강남문화재단 ", "branding": {"primary_color": "#0a7f5a"}, "host": "New.Example.KR."}
    )
    assert changed == ["host", "branding"]
    assert updated.branding == Branding(None, "#0a7f5a", rules.DEFAULT_ACCENT)
    assert updated.host == "new.example.kr"
    assert rules.patched(GANGNAM, {"name_en": "Gangnam Foundation"}) == (GANGNAM, [])
    with pytest.raises(Invalid):
        rules.patched(GANGNAM, {"branding": {"accent_color": "blue"}})


def test_closing() -> None:
    closed = rules.closed(GANGNAM, T0)
    assert (closed.status, closed.closed_at, closed.open) == (AgencyStatus.CLOSED, T0, False)
    assert rules.closed(closed, datetime(2027, 1, 1, tzinfo=UTC)) is closed  # closing again changes nothing
    with pytest.raises(Conflict) as err:
        rules.require_open(closed)
    assert err.value.code == "agency_closed"
    with pytest.raises(Conflict) as err:
        rules.closed(SEOUL, T0)
    assert err.value.code == "host_agency"
    rules.require_open(GANGNAM)


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("gangnam.example.kr", "gangnam.example.kr"),
        ("Gangnam.Example.KR:8080", "gangnam.example.kr"),
        ("127.0.0.1:8080", "127.0.0.1"),
        ("[::1]:8080", None),
        ("", None),
        (None, None),
    ],
)
def test_request_host(header: str | None, host: str | None) -> None:
    assert rules.request_host(header) == host


def test_public_view() -> None:
    view = rules.public_view(GANGNAM)
    assert view["branding"] == {"logo_url": None, "primary_color": "#1b4fa0", "accent_color": "#f0a500"}
    assert (view["status"], view["is_host_agency"]) == ("active", False)
