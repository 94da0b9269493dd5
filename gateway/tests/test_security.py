"""Unit tests: passwords and session tokens (no I/O)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import (
    DUMMY_PASSWORD_HASH,
    TokenError,
    TokenSigner,
    hash_password,
    needs_rehash,
    verify_password,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CITIZEN = Actor(
    account_id="acc_1", role=ActorRole.CITIZEN, citizen_key="ck_1", display_name="홍길동", department_id=None
)


def signer(clock: FixedClock, secret: bytes = b"s3cret", **kwargs: object) -> TokenSigner:
    return TokenSigner(secret, timedelta(hours=1), clock, **kwargs)  # type: ignore[arg-type]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def scrypt_hash(password: str, salt: bytes = b"0123456789abcdef") -> str:
    """A hash as accounts stored it before argon2id: scrypt, N=2^14, r=8, p=1."""
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt$16384$8$1${_b64(salt)}${_b64(key)}"


def test_passwords_are_argon2id_and_verify_only_the_same_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not needs_rehash(stored)


def test_argon2_parameters_are_the_librarys_defaults_or_stronger() -> None:
    # RFC 9106's second recommendation (argon2-cffi's default): 64 MiB, 3 passes.
    params = dict(kv.split("=") for kv in hash_password("x").split("$")[3].split(","))
    assert int(params["m"]) >= 65536
    assert int(params["t"]) >= 3


def test_password_hashes_are_salted_per_user() -> None:
    a, b = hash_password("same-password"), hash_password("same-password")
    assert a != b
    assert verify_password("same-password", a)
    assert verify_password("same-password", b)


def test_old_scrypt_hashes_still_verify_and_ask_to_be_rehashed() -> None:
    old = scrypt_hash("old-password-1")
    assert verify_password("old-password-1", old)
    assert not verify_password("old-password-2", old)
    assert needs_rehash(old)


def test_argon2_hashes_with_weaker_parameters_ask_to_be_rehashed() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("pw-123456")
    assert verify_password("pw-123456", weak)
    assert needs_rehash(weak)
    assert needs_rehash(PasswordHasher(type=Type.I).hash("pw-123456"))  # not argon2id


def test_the_dummy_hash_for_unknown_emails_costs_what_a_real_one_does() -> None:
    assert DUMMY_PASSWORD_HASH.startswith("$argon2id$")
    assert not needs_rehash(DUMMY_PASSWORD_HASH)


def test_garbage_stored_hash_never_verifies() -> None:
    assert not verify_password("x", "")
    assert not verify_password("x", "scrypt$1$2$3$!!$??")
    assert not verify_password("x", "md5$abc")
    assert not verify_password("x", "$argon2id$v=19$m=1,t=1,p=1$$")


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
    version, kid, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{version}.{kid}.{forged}.{sig}"


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


def test_a_token_naming_another_secrets_key_id_is_refused() -> None:
    clock = FixedClock(T0)
    version, _, body, sig = signer(clock, b"other").issue(CITIZEN).split(".")
    own_kid = signer(clock).issue(CITIZEN).split(".")[1]
    with pytest.raises(TokenError, match="signature"):
        signer(clock).verify(f"{version}.{own_kid}.{body}.{sig}")


@pytest.mark.parametrize(
    "token", ["", "abc", "v1.x", "v2.a.b", "v1.a.b.c", "v2.a.b.c", "v1.☃.☃", "v2.☃.☃.☃", "v2...", "a.b.c.d.e"]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        signer(FixedClock(T0)).verify(token)


def test_each_token_has_its_own_id() -> None:
    s = signer(FixedClock(T0))
    a, b = s.open(s.issue(CITIZEN)), s.open(s.issue(CITIZEN))
    assert a.jti != b.jti
    assert a.exp == int(T0.timestamp()) + 3600


def test_rotation_keeps_old_sessions_valid_while_the_old_secret_is_listed() -> None:
    clock = FixedClock(T0)
    before = signer(clock, b"old-secret").issue(CITIZEN)
    rotated = signer(clock, b"new-secret", previous=[b"old-secret"])
    assert rotated.verify(before) == CITIZEN  # nobody signed out by the rotation
    fresh = rotated.issue(CITIZEN)
    assert fresh.split(".")[1] != before.split(".")[1]  # new tokens name the new key
    assert signer(clock, b"new-secret").verify(fresh) == CITIZEN
    # A form opened before the rotation still posts: its CSRF token is bound to the session's key.
    csrf = signer(clock, b"old-secret").csrf_token(before)
    assert rotated.check_csrf(before, csrf)
    # Once the old secret is dropped, its sessions end.
    with pytest.raises(TokenError, match="key"):
        signer(clock, b"new-secret").verify(before)


def test_a_revoked_token_is_refused() -> None:
    clock = FixedClock(T0)
    revoked: set[str] = set()
    not_before: dict[str, float] = {}

    def is_revoked(account_id: str, jti: str, iat: float) -> bool:
        return jti in revoked or iat <= not_before.get(account_id, float("-inf"))

    s = signer(clock, is_revoked=is_revoked)
    one, two = s.issue(CITIZEN), s.issue(CITIZEN)
    revoked.add(s.open(one).jti)
    with pytest.raises(TokenError, match="revoked"):
        s.verify(one)
    assert s.verify(two) == CITIZEN
    clock.advance(timedelta(seconds=1))
    not_before["acc_1"] = clock.now().timestamp()
    with pytest.raises(TokenError, match="revoked"):
        s.verify(two)
    clock.advance(timedelta(milliseconds=5))
    assert s.verify(s.issue(CITIZEN)) == CITIZEN  # signing in again afterwards works


def test_csrf_token_is_bound_to_the_session() -> None:
    s = signer(FixedClock(T0))
    token = s.issue(CITIZEN)
    other = s.issue(CITIZEN.model_copy(update={"account_id": "acc_2"}))
    csrf = s.csrf_token(token)
    assert s.check_csrf(token, csrf)
    assert not s.check_csrf(other, csrf)
    assert not s.check_csrf(token, "")
    assert not s.check_csrf(token, "☃")
