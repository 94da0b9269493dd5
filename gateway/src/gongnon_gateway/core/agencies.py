"""Partner agencies (유관기관) and their independent spaces: the rules, without I/O.

The gateway owns the registry (docs/federation.md): an agency has a slug id, Korean and English
names, an optional host name of its own and its branding; the host agency (`seoul`) always
exists. A super admin registers and closes agencies and may change anything; an agency's own
admin changes its names and branding, nothing of another agency's."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, Forbidden, Invalid
from gongnon_contracts.events.agencies import AGENCY_ID_PATTERN, COLOR_PATTERN
from gongnon_contracts.events.common import ActorRole

# A DNS host name, lower case, without a port: labels of letters, digits and inner hyphens.
HOST_MAX = 253
HOST_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
# The logo is shown in every page's header: an https URL without quotes, spaces or angle brackets.
LOGO_URL_PATTERN = r"^https://[^\s\"'<>\\]{1,490}$"

_ID = re.compile(AGENCY_ID_PATTERN)
_HOST = re.compile(HOST_PATTERN)
_COLOR = re.compile(COLOR_PATTERN)
_LOGO = re.compile(LOGO_URL_PATTERN)

DEFAULT_PRIMARY = "#1b4fa0"
DEFAULT_ACCENT = "#f0a500"

# What an agency's own admin may change; the host name and the status are the super admin's.
ADMIN_FIELDS = frozenset({"name_ko", "name_en", "branding"})
SUPER_ADMIN_FIELDS = ADMIN_FIELDS | {"host"}


class AgencyStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # takes no new items; its items stay listed and readable (the archive)


@dataclass(frozen=True)
class Branding:
    logo_url: str | None = None
    primary_color: str = DEFAULT_PRIMARY
    accent_color: str = DEFAULT_ACCENT

    def as_dict(self) -> dict[str, Any]:
        return {"logo_url": self.logo_url, "primary_color": self.primary_color, "accent_color": self.accent_color}

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Branding:
        data = data or {}
        return cls(
            logo_url=data.get("logo_url"),
            primary_color=data.get("primary_color") or DEFAULT_PRIMARY,
            accent_color=data.get("accent_color") or DEFAULT_ACCENT,
        )


@dataclass(frozen=True)
class Agency:
    id: str
    name_ko: str
    name_en: str
    host: str | None
    branding: Branding
    status: AgencyStatus
    registered_at: datetime
    closed_at: datetime | None = None
    is_host_agency: bool = False

    @property
    def open(self) -> bool:
        return self.status == AgencyStatus.ACTIVE


def normalize_host(host: str | None) -> str | None:
    """A registered host name as stored: lower case, no trailing dot; None for none."""
    if host is None:
        return None
    value = host.strip().lower().rstrip(".")
    return value or None


def request_host(header: str | None) -> str | None:
    """The host name a request was sent to (its Host header without the port)."""
    if not header:
        return None
    value = header.strip().lower()
    if value.startswith("["):  # an IPv6 literal: never an agency's host name
        return None
    return normalize_host(value.split(":", 1)[0])


def check_new(agency_id: str, name_ko: str, name_en: str, host: str | None, branding: Branding) -> None:
    """Invalid (422) for anything the registry must not hold; the API's models say the same
    first, this keeps the rule whoever calls."""
    problems: list[dict[str, Any]] = []
    if not _ID.match(agency_id):
        problems.append({"loc": ["id"], "msg": f"must match {AGENCY_ID_PATTERN}", "type": "pattern"})
    for field, value in (("name_ko", name_ko), ("name_en", name_en)):
        if not value.strip():
            problems.append({"loc": [field], "msg": "required", "type": "missing"})
    problems += _host_problems(host)
    problems += _branding_problems(branding)
    if problems:
        raise Invalid("the agency is not valid", code="invalid_agency", details=problems)


def _host_problems(host: str | None) -> list[dict[str, Any]]:
    if host is not None and (len(host) > HOST_MAX or not _HOST.match(host)):
        return [{"loc": ["host"], "msg": "a host name such as gangnam.example.kr, without a port", "type": "pattern"}]
    return []


def _branding_problems(b: Branding) -> list[dict[str, Any]]:
    problems = []
    for field, value in (("primary_color", b.primary_color), ("accent_color", b.accent_color)):
        if not _COLOR.match(value):
            problems.append({"loc": ["branding", field], "msg": "#RRGGBB", "type": "pattern"})
    if b.logo_url is not None and not _LOGO.match(b.logo_url):
        problems.append({"loc": ["branding", "logo_url"], "msg": "an https URL", "type": "pattern"})
    return problems


def may_manage(actor: Actor | None, agency_id: str) -> bool:
    """Whether the actor administers this agency's space (its departments, category map,
    branding, rule set, staff): the super admin, or that agency's own admin."""
    if actor is None:
        return False
    if actor.role == ActorRole.SUPER_ADMIN:
        return True
    return actor.role == ActorRole.AGENCY_ADMIN and actor.agency == agency_id


def require_manager(actor: Actor, agency_id: str) -> None:
    if actor.role in (ActorRole.SUPER_ADMIN, ActorRole.AGENCY_ADMIN) and not may_manage(actor, agency_id):
        raise Forbidden("you administer another agency", code="other_agency")
    if not may_manage(actor, agency_id):
        raise Forbidden("only the agency's admin (기관 관리자) or a super admin may do this")


def require_super_admin(actor: Actor) -> None:
    if actor.role != ActorRole.SUPER_ADMIN:
        raise Forbidden("only a super admin may do this", code="super_admin_only")


def check_patch(actor: Actor, agency: Agency, fields: set[str]) -> None:
    """Who may change which fields: the super admin anything; the agency's admin its names and branding."""
    require_manager(actor, agency.id)
    unknown = fields - SUPER_ADMIN_FIELDS
    if unknown:
        raise Invalid(f"these fields cannot be changed: {', '.join(sorted(unknown))}", code="invalid_agency")
    if actor.role != ActorRole.SUPER_ADMIN and fields - ADMIN_FIELDS:
        raise Forbidden("only a super admin changes an agency's host name", code="super_admin_only")
    if not agency.open:
        raise Conflict("the agency is closed", code="agency_closed")


def patched(agency: Agency, changes: dict[str, Any]) -> tuple[Agency, list[str]]:
    """The agency with the changes applied (branding merged field by field) and the names of
    the fields that really changed; Invalid when the result is not a valid agency."""
    updated = agency
    if "name_ko" in changes:
        updated = replace(updated, name_ko=str(changes["name_ko"]).strip())
    if "name_en" in changes:
        updated = replace(updated, name_en=str(changes["name_en"]).strip())
    if "host" in changes:
        updated = replace(updated, host=normalize_host(changes["host"]))
    if "branding" in changes:
        merged = {**agency.branding.as_dict(), **(changes["branding"] or {})}
        updated = replace(updated, branding=Branding(**merged))
    check_new(updated.id, updated.name_ko, updated.name_en, updated.host, updated.branding)
    changed = [f for f in ("name_ko", "name_en", "host", "branding") if getattr(updated, f) != getattr(agency, f)]
    return updated, changed


def closed(agency: Agency, now: datetime) -> Agency:
    """The agency closed; Conflict for the host agency, which always exists."""
    if agency.is_host_agency:
        raise Conflict("the host agency cannot be closed", code="host_agency")
    if not agency.open:
        return agency
    # To the millisecond, as MongoDB keeps it: the answer now and every later read agree.
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    return replace(agency, status=AgencyStatus.CLOSED, closed_at=at)


def require_open(agency: Agency) -> None:
    if not agency.open:
        raise Conflict(
            f"{agency.name_ko} has closed its space: it takes no new items (its items stay in the archive)",
            code="agency_closed",
        )


def public_view(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "name_ko": agency.name_ko,
        "name_en": agency.name_en,
        "host": agency.host,
        "branding": agency.branding.as_dict(),
        "status": agency.status.value,
        "is_host_agency": agency.is_host_agency,
        "registered_at": agency.registered_at,
        "closed_at": agency.closed_at,
    }
