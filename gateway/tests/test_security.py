"""Unit tests: passwords and session tokens (no I/O)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenError, TokenSigner, hash_password, verify_password

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CITIZEN = Actor(
    account_id="acc_1", role=ActorRole.CITIZEN, citizen_key="ck_1", display_name="홍길동", department_id=None
)


def signer(clock: FixedClock, secret: bytes = b"s3cret") -> TokenSigner:
    return TokenSigner(secret, timedelta(hours=1), clock)


def test_password_hash_verifies_only_the_same_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)


def test_password_hashes_are_salted_per_user() -> None:
    a, b = hash_password("same-password"), hash_password("same-password")
    assert a != b
    assert verify_password("same-password", a)
    assert verify_password("same-password", b)


def test_garbage_stored_hash_never_verifies() -> None:
    assert not verify_password("x", "")
    assert not verify_password("x", "scrypt$1$2$3$!!$??")
    assert not verify_password("x", "md5$abc")


def test_token_round_trip_carries_the_whole_actor() -> None:
    s = signer(FixedClock(T0))
    actor = s.verify(s.issue(CITIZEN))
    assert actor == CITIZEN


def test_token_expires_after_its_ttl() -> None:
    clock = FixedClock(T0)
    s = signer(clock)
    token = s.issue(CITIZEN)
    clock.advance(timedelta(minutes=59))
    assert s.verify(token).account_id == "acc_1"
    clock.advance(timedelta(minutes=1))
    with pytest.raises(TokenError, match="expired"):
        s.verify(token)


def _tamper(token: str, **changes: object) -> str:
    version, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{version}.{forged}.{sig}"


def test_a_citizen_cannot_promote_itself_by_editing_the_token() -> None:
    s = signer(FixedClock(T0))
    forged = _tamper(s.issue(CITIZEN), role="super_admin")
    with pytest.raises(TokenError, match="signature"):
        s.verify(forged)


def test_a_token_from_another_secret_is_refused() -> None:
    clock = FixedClock(T0)
    token = signer(clock, b"other").issue(CITIZEN)
    with pytest.raises(TokenError):
        signer(clock).verify(token)


@pytest.mark.parametrize("token", ["", "abc", "v1.x", "v2.a.b", "v1.a.b.c", "v1.☃.☃"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        signer(FixedClock(T0)).verify(token)


def test_csrf_token_is_bound_to_the_session() -> None:
    s = signer(FixedClock(T0))
    token = s.issue(CITIZEN)
    other = s.issue(CITIZEN.model_copy(update={"account_id": "acc_2"}))
    csrf = s.csrf_token(token)
    assert s.check_csrf(token, csrf)
    assert not s.check_csrf(other, csrf)
    assert not s.check_csrf(token, "")
    assert not s.check_csrf(token, "☃")
