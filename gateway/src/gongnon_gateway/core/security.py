"""Passwords (scrypt, per-user salt) and stateless session tokens (HMAC-SHA256).

A token carries the whole actor, so the vote hot path authenticates without a database lookup.
Format: ``v1.<base64url(json payload)>.<base64url(hmac)>``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from datetime import timedelta

from pydantic import ValidationError

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock

# scrypt cost: 16 MiB of memory and ~50 ms per hash; stored with the hash so it can be raised later.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(_SALT_BYTES)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=_KEY_BYTES
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64e(salt)}${_b64e(key)}"


def verify_password(password: str, stored: str) -> bool:
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
            maxmem=64 * 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


# Compared against when the e-mail is unknown, so a login takes as long either way.
DUMMY_PASSWORD_HASH = hash_password("not-a-real-password", salt=b"\x00" * _SALT_BYTES)


def _same(a: str, b: str) -> bool:
    # Compare as bytes: compare_digest refuses non-ASCII str, and a token comes from the outside.
    return hmac.compare_digest(a.encode(), b.encode())


class TokenError(Exception):
    """The token is malformed, forged or expired."""


class TokenSigner:
    def __init__(self, secret: bytes, ttl: timedelta, clock: Clock) -> None:
        if not secret:
            raise ValueError("a token secret is required")
        self._secret = secret
        self._ttl = ttl
        self._clock = clock

    def _mac(self, signed_part: str) -> str:
        return _b64e(hmac.new(self._secret, signed_part.encode(), hashlib.sha256).digest())

    def issue(self, actor: Actor) -> str:
        now = int(self._clock.now().timestamp())
        payload = actor.model_dump(mode="json")
        payload["iat"] = now
        payload["exp"] = now + int(self._ttl.total_seconds())
        body = _b64e(json.dumps(payload, separators=(",", ":")).encode())
        signed = f"v1.{body}"
        return f"{signed}.{self._mac(signed)}"

    def verify(self, token: str) -> Actor:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            raise TokenError("not a session token")
        signed = f"{parts[0]}.{parts[1]}"
        if not _same(self._mac(signed), parts[2]):
            raise TokenError("bad signature")
        try:
            payload = json.loads(_b64d(parts[1]))
            exp = int(payload.pop("exp"))
            payload.pop("iat", None)
            actor = Actor.model_validate(payload)
        except (ValueError, KeyError, TypeError, binascii.Error, ValidationError) as exc:
            raise TokenError("malformed payload") from exc
        if exp <= self._clock.now().timestamp():
            raise TokenError("expired")
        return actor

    def csrf_token(self, session_token: str) -> str:
        """A form token bound to the session (stateless double-submit), for cookie-authenticated POSTs."""
        return self._mac(f"csrf|{session_token}")

    def check_csrf(self, session_token: str, candidate: str) -> bool:
        return bool(candidate) and _same(self.csrf_token(session_token), candidate)
