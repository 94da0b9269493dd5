"""Passwords (argon2id) and stateless session tokens (HMAC-SHA256, revocable).

Passwords: argon2id through argon2-cffi with its default parameters (RFC 9106's low-memory
profile: 64 MiB, 3 passes, 4 lanes). Hashes made before (scrypt) still verify; `needs_rehash`
tells the login to store an argon2id hash in their place, as it does for argon2 hashes made with
weaker parameters than today's.

Tokens carry the whole actor, so the vote hot path authenticates without a database lookup.
Format: ``v2.<key id>.<base64url(json payload)>.<base64url(hmac)>``; the payload is the actor
plus `iat` (seconds, to the millisecond), `exp` and `jti` (the token's own id, what a logout
revokes). The key id names the secret that signed it: tokens are signed with the current
secret and accepted under the previous ones too, so a secret rotates without signing anyone out.
A revoked token (its `jti`, or every token of its account issued before a moment) is refused
through `is_revoked`, an in-memory view (core/revocations.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import ValidationError

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock

_argon2 = PasswordHasher()
_ARGON2_PREFIX = "$argon2"
# The former hashes' parameters (scrypt, N=2^14) are stored with each hash and read from it.
_SCRYPT_MAXMEM = 64 * 1024 * 1024
_KID_INFO = b"gongnon-session-key-id"
_VERSION = "v2"


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    return _argon2.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _b64d(key)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_b64d(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith(_ARGON2_PREFIX):
        try:
            return _argon2.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, stored)


def needs_rehash(stored: str) -> bool:
    """True for a hash that is not argon2id with today's parameters (scrypt, a weaker argon2)."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return _argon2.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# Compared against when the e-mail is unknown, so a login takes as long either way.
DUMMY_PASSWORD_HASH = hash_password("not-a-real-password")


def _same(a: str, b: str) -> bool:
    # Compare as bytes: compare_digest refuses non-ASCII str, and a token comes from the outside.
    return hmac.compare_digest(a.encode(), b.encode())


def key_id(secret: bytes) -> str:
    """Names a secret in the tokens it signs without revealing it."""
    return _b64e(hmac.new(secret, _KID_INFO, hashlib.sha256).digest()[:8])


class TokenError(Exception):
    """The token is malformed, forged, expired or revoked."""


@dataclass(frozen=True)
class Session:
    """A verified session token: who, and what revoking it needs."""

    actor: Actor
    jti: str
    iat: float
    exp: int


# (account id, jti, iat) → revoked?
RevocationCheck = Callable[[str, str, float], bool]


class TokenSigner:
    def __init__(
        self,
        secret: bytes,
        ttl: timedelta,
        clock: Clock,
        *,
        previous: Sequence[bytes] = (),
        is_revoked: RevocationCheck | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a token secret is required")
        self._kid = key_id(secret)
        self._secrets = {key_id(s): s for s in previous if s}
        self._secrets[self._kid] = secret
        self._ttl = ttl
        self._clock = clock
        self._is_revoked = is_revoked

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    @property
    def clock(self) -> Clock:
        return self._clock

    def _mac(self, secret: bytes, signed_part: str) -> str:
        return _b64e(hmac.new(secret, signed_part.encode(), hashlib.sha256).digest())

    def issue(self, actor: Actor) -> str:
        now = self._clock.now().timestamp()
        payload = actor.model_dump(mode="json")
        payload["iat"] = round(now, 3)
        payload["exp"] = int(now) + int(self._ttl.total_seconds())
        payload["jti"] = secrets.token_urlsafe(12)
        body = _b64e(json.dumps(payload, separators=(",", ":")).encode())
        signed = f"{_VERSION}.{self._kid}.{body}"
        return f"{signed}.{self._mac(self._secrets[self._kid], signed)}"

    def open(self, token: str) -> Session:
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != _VERSION:
            raise TokenError("not a session token")
        secret = self._secrets.get(parts[1])
        if secret is None:
            raise TokenError("signed with a key this server does not accept")
        signed = f"{parts[0]}.{parts[1]}.{parts[2]}"
        if not _same(self._mac(secret, signed), parts[3]):
            raise TokenError("bad signature")
        try:
            payload = json.loads(_b64d(parts[2]))
            exp = int(payload.pop("exp"))
            iat = float(payload.pop("iat"))
            jti = payload.pop("jti")
            if not isinstance(jti, str):
                raise TypeError("jti")
            actor = Actor.model_validate(payload)
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, ValidationError) as exc:
            raise TokenError("malformed payload") from exc
        if exp <= self._clock.now().timestamp():
            raise TokenError("expired")
        if self._is_revoked is not None and self._is_revoked(actor.account_id, jti, iat):
            raise TokenError("revoked")
        return Session(actor, jti, iat, exp)

    def verify(self, token: str) -> Actor:
        return self.open(token).actor

    def _key_of(self, session_token: str) -> bytes:
        # The secret the session was signed with: a page opened before a rotation still posts.
        parts = session_token.split(".")
        return self._secrets.get(parts[1], self._secrets[self._kid]) if len(parts) == 4 else self._secrets[self._kid]

    def csrf_token(self, session_token: str) -> str:
        """A form token bound to the session (stateless double-submit), for cookie-authenticated POSTs."""
        return self._mac(self._key_of(session_token), f"csrf|{session_token}")

    def check_csrf(self, session_token: str, candidate: str) -> bool:
        return bool(candidate) and _same(self.csrf_token(session_token), candidate)
