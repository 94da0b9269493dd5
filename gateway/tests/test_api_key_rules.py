"""API keys without I/O: the key format, hashing, statuses, rotation bounds, which request needs
which scope, the actors a key becomes, and the sliding window's arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongnon_chassis.errors import Conflict, Forbidden, Invalid, Unauthorized
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.api.api_key_deps import presented_key
from gongnon_gateway.core import api_keys as rules
from gongnon_gateway.core import rate_window as rw
from gongnon_gateway.core.accounts import Account
from gongnon_gateway.core.api_key_auth import Department, citizen_actor, department_actor, system_actor
from gongnon_gateway.core.api_keys import ApiKey, KeyStatus
from gongnon_gateway.core.key_limits import day_of, parse_batch

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _key(**fields: object) -> ApiKey:
    base: dict[str, object] = {
        "id": "abcdefghijklmnop",
        "agency": "gangnam",
        "name": "민원 연동",
        "scopes": ("read", "submit"),
        "secret_hash": rules.hash_secret("s"),
        "created_at": T0,
        "created_by": "acc_admin",
    }
    return ApiKey(**{**base, **fields})  # type: ignore[arg-type]


# --- the key ---------------------------------------------------------------------------------


def test_a_new_key_has_an_id_and_32_random_bytes_and_parses_back() -> None:
    k = rules.new_key()
    assert k.token.startswith(f"gk_{k.key_id}_")
    assert len(k.key_id) == rules.KEY_ID_CHARS
    assert rules.valid_key_id(k.key_id)
    assert len(k.secret) == 43  # base64url of 32 bytes
    assert rules.parse_key(k.token) == (k.key_id, k.secret)
    assert rules.secret_matches(k.secret, k.secret_hash)
    assert not rules.secret_matches(k.secret[:-1] + ("A" if k.secret[-1] != "A" else "B"), k.secret_hash)
    assert k.secret_hash == rules.hash_secret(k.secret)
    assert k.secret not in k.secret_hash
    assert rules.new_key().token != k.token


def test_a_secret_with_underscores_parses() -> None:
    k = rules.new_key(lambda n: b"\xff" * n)  # base64url of 0xff… is "____…"
    assert "_" in k.secret
    assert rules.parse_key(k.token) == (k.key_id, k.secret)


@pytest.mark.parametrize(
    "text",
    ["", "gk_", "gk_abc_def", "v1.abc.def", "gk_ABCDEFGHIJKLMNOP_" + "a" * 43, "gk_abcdefghijklmnop_" + "a" * 42,
     "gk_abcdefghijklmnop_" + "a" * 44, "gk_abcdefghijklmnop-" + "a" * 43, "gk_abcdefghijklmnop_" + "a" * 42 + "!",
     "x" * 5000],
)  # fmt: skip
def test_malformed_keys_do_not_parse(text: str) -> None:
    assert rules.parse_key(text) is None


@given(st.text(max_size=120))
def test_parsing_never_raises(text: str) -> None:
    parsed = rules.parse_key(text)
    assert parsed is None or rules.valid_key_id(parsed[0])


def test_only_gk_bearers_are_keys() -> None:
    assert rules.looks_like_key("gk_x")
    assert not rules.looks_like_key("v1.payload.mac")
    assert not rules.looks_like_key(None)


def test_scopes_are_known_sorted_and_unique() -> None:
    assert rules.normalize_scopes(["submit", "read", "read"]) == ("read", "submit")
    with pytest.raises(Invalid):
        rules.normalize_scopes(["admin"])
    with pytest.raises(Invalid):
        rules.normalize_scopes([])


def test_check_new_bounds_the_limit_and_the_live_keys() -> None:
    assert rules.check_new("x", ["read"], 600, 0) == ("read",)
    with pytest.raises(Invalid):
        rules.check_new("x", ["read"], 0, 0)
    with pytest.raises(Invalid):
        rules.check_new(" ", ["read"], 600, 0)
    with pytest.raises(Conflict):
        rules.check_new("x", ["read"], 600, rules.MAX_LIVE_KEYS)


# --- status, rotation, revocation ---------------------------------------------------------------


def test_status_over_time() -> None:
    k = _key()
    assert k.status(T0) == KeyStatus.ACTIVE
    rotated = rules.rotated(k, T0, 3600, "successorkeyidxx")
    assert rotated.rotated_to == "successorkeyidxx"
    assert rotated.status(T0 + timedelta(seconds=3599)) == KeyStatus.ROTATING
    rules.check_usable(rotated, T0 + timedelta(seconds=3599))
    assert rotated.status(T0 + timedelta(seconds=3600)) == KeyStatus.EXPIRED
    with pytest.raises(Unauthorized) as exc:
        rules.check_usable(rotated, T0 + timedelta(seconds=3600))
    assert exc.value.code == "api_key_expired"
    gone = rules.revoked(k, T0, "acc_admin")
    assert gone.status(T0) == KeyStatus.REVOKED
    assert rules.revoked(gone, T0 + timedelta(days=1), "someone") is gone  # revoking again changes nothing
    with pytest.raises(Unauthorized) as exc:
        rules.check_usable(gone, T0)
    assert exc.value.code == "api_key_revoked"


def test_rotation_is_bounded_and_happens_once() -> None:
    k = _key()
    with pytest.raises(Invalid):
        rules.rotated(k, T0, rules.MAX_OVERLAP_S + 1, "n")
    with pytest.raises(Invalid):
        rules.rotated(k, T0, -1, "n")
    assert rules.rotated(k, T0, 0, "n").status(T0) == KeyStatus.EXPIRED  # no overlap: refused at once
    once = rules.rotated(k, T0, 60, "n")
    with pytest.raises(Conflict) as exc:
        rules.rotated(once, T0, 60, "m")
    assert exc.value.code == "api_key_rotated"
    with pytest.raises(Conflict):
        rules.rotated(rules.revoked(k, T0, "a"), T0, 60, "m")


# --- scopes per request -------------------------------------------------------------------------


def test_which_scope_a_request_needs() -> None:
    def need(method: str, route: str, on_behalf: bool = False, dept: bool = False) -> set[str]:
        return {s.value for s in rules.allowed_scopes(method, route, on_behalf=on_behalf, as_department=dept)}

    assert need("GET", "/api/proposals") == {"read"}
    assert need("POST", "/api/proposals") == set()  # as itself a system submits nothing
    assert need("POST", "/api/proposals", on_behalf=True) == {"submit"}
    assert need("GET", "/api/inbox", on_behalf=True) == {"submit"}
    assert need("POST", "/api/consultations", on_behalf=True) == set()
    assert need("POST", "/api/review/cases/{case_id}/answer", dept=True) == {"answer"}
    assert need("POST", "/api/review/cases/{case_id}/approve", dept=True) == set()  # operators approve
    assert need("POST", "/api/agencies/{agency}/subscriptions") == {"subscriptions"}
    assert need("GET", "/api/agencies/{agency}/subscriptions/{subscription_id}") == {"subscriptions"}
    assert need("GET", "/api/feed") == {"read", "subscriptions"}
    assert need("POST", "/api/agencies/{agency}/api-keys") == set()
    assert need("GET", "/api/proposals", on_behalf=True, dept=True) == set()


def test_require_scope_says_what_is_missing() -> None:
    rules.require_scope(["read"], "GET", "/api/proposals", on_behalf=False, as_department=False)
    with pytest.raises(Forbidden) as exc:
        rules.require_scope(["read"], "POST", "/api/proposals", on_behalf=True, as_department=False)
    assert exc.value.code == "insufficient_scope"
    assert exc.value.details == {"needs": ["submit"]}
    with pytest.raises(Forbidden) as exc:
        rules.require_scope(["submit"], "GET", "/api/proposals", on_behalf=False, as_department=False)
    assert exc.value.code == "insufficient_scope"
    with pytest.raises(Forbidden) as exc:
        rules.require_scope(list(rules.ALL_SCOPES), "DELETE", "/api/agencies/{agency}/api-keys/{key_id}",
                            on_behalf=False, as_department=False)  # fmt: skip
    assert exc.value.code == "insufficient_scope"


@pytest.mark.parametrize(("method", "route"), sorted(rules.VOTE_ROUTES))
def test_keys_never_vote_whatever_their_scopes(method: str, route: str) -> None:
    for on_behalf in (False, True):
        with pytest.raises(Forbidden) as exc:
            rules.require_scope(list(rules.ALL_SCOPES), method, route, on_behalf=on_behalf, as_department=False)
        assert exc.value.code == "keys_do_not_vote"


# --- actors -------------------------------------------------------------------------------------


def _account(**fields: object) -> Account:
    base: dict[str, object] = {
        "id": "acc_c1",
        "email": "c@example.org",
        "display_name": "시민",
        "role": ActorRole.CITIZEN,
        "agency": "gangnam",
        "department_id": None,
        "citizen_key": "ck_1",
        "created_at": T0,
        "verified_at": T0,
    }
    return Account(**{**base, **fields})  # type: ignore[arg-type]


def test_the_actors_a_key_becomes() -> None:
    k = _key(scopes=("answer", "read", "submit"))
    me = citizen_actor(_account(), k)
    assert (me.account_id, me.role, me.citizen_key, me.key_id, me.scopes) == (
        "acc_c1",
        ActorRole.CITIZEN,
        "ck_1",
        k.id,
        ("answer", "read", "submit"),
    )
    officer = department_actor(Department("dept-1", "gangnam", "문화예술과", False), k)
    assert (officer.role, officer.department_id, officer.agency, officer.key_id) == (
        ActorRole.OFFICER,
        "dept-1",
        "gangnam",
        k.id,
    )
    system = system_actor(k)
    assert (system.role, system.agency, system.key_id, system.account_id) == (
        ActorRole.AGENCY_SYSTEM,
        "gangnam",
        k.id,
        f"key:{k.id}",
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"agency": "seoul"}, "not_agency_citizen"),
        ({"role": ActorRole.OFFICER}, "not_agency_citizen"),
        ({"citizen_key": None}, "verification_required"),
    ],
)
def test_only_a_verified_citizen_of_the_keys_agency(fields: dict[str, object], code: str) -> None:
    with pytest.raises(Forbidden) as exc:
        citizen_actor(_account(**fields), _key())
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("dept", "code"),
    [
        (None, "not_agency_department"),
        (Department("d", "seoul", "x", False), "not_agency_department"),
        (Department("d", "gangnam", "x", True), "department_archived"),
    ],
)
def test_only_an_active_department_of_the_keys_agency(dept: Department | None, code: str) -> None:
    with pytest.raises(Forbidden) as exc:
        department_actor(dept, _key())
    assert exc.value.code == code


# --- the sliding window -------------------------------------------------------------------------

L = rw.MINUTE_MS


def test_window_at() -> None:
    assert rw.window_at(125_000) == rw.Window(index=2, elapsed_ms=5_000, length_ms=L)


def test_a_fresh_window_takes_exactly_the_limit() -> None:
    prev, curr = 0, 0
    while rw.allows(prev, curr, 10_000, L, 5):
        curr += 1
    assert curr == 5
    # Then this window's 5 weigh on the next one: the first request fits once a fifth of it passed.
    assert rw.retry_after_ms(0, 5, 10_000, L, 5) == (L - 10_000) + L // 5


def test_the_previous_window_weighs_less_as_time_passes() -> None:
    # 10 in the previous minute, limit 10: at the start of this one nothing fits; halfway, 5 do.
    assert not rw.allows(10, 0, 0, L, 10)
    assert rw.allows(10, 4, L // 2, L, 10)
    assert not rw.allows(10, 5, L // 2, L, 10)
    wait = rw.retry_after_ms(10, 0, 0, L, 10)
    assert wait == L // 10  # one tenth of the previous window must slide out
    assert rw.allows(10, 0, wait, L, 10)
    assert not rw.allows(10, 0, wait - 1, L, 10)


@given(
    prev=st.integers(0, 50),
    curr=st.integers(0, 50),
    elapsed=st.integers(0, L - 1),
    limit=st.integers(1, 40),
)
def test_retry_after_is_the_first_moment_a_request_fits(prev: int, curr: int, elapsed: int, limit: int) -> None:
    wait = rw.retry_after_ms(prev, curr, elapsed, L, limit)
    if rw.allows(prev, curr, elapsed, L, limit):
        assert wait == 0
        return

    def fits_after(t: int) -> bool:
        at = elapsed + t
        if at < L:
            return rw.allows(prev, curr, at, L, limit)
        if at < 2 * L:
            return rw.allows(curr, 0, at - L, L, limit)
        return True

    assert 0 < wait <= 2 * L
    assert fits_after(wait)
    assert not fits_after(wait - 1)
    assert rw.retry_after_s(prev, curr, elapsed, L, limit) * 1000 >= wait


def test_usage_fields_and_days() -> None:
    counts, last = parse_batch(
        {"k1|2026-05-04|n": "3", "k1|2026-05-04|r": "1", "k2|2026-05-03|n": "2", "k1|last": "1000", "junk": "x"}
    )
    assert counts == {("k1", "2026-05-04"): (3, 1), ("k2", "2026-05-03"): (2, 0)}
    assert last == {"k1": 1000}
    assert day_of(datetime(2026, 5, 4, 23, 59, tzinfo=UTC)) == "2026-05-04"


def test_which_credential_is_the_key() -> None:
    assert presented_key(None, "gk_x") == "gk_x"
    assert presented_key("gk_y", None) == "gk_y"
    assert presented_key("not-a-key", None) == "not-a-key"  # checked, then refused (401)
    assert presented_key("gk_y", "v1.session.token") is None  # Authorization comes first
    assert presented_key(None, None) is None
