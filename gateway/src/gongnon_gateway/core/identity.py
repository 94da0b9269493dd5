"""Identity verification: binds an account to a person.

Korea's identity services (PASS, 공동인증서) return a 연계정보 (CI): a key that is the same for
one person across every site, derived by a keyed hash of the person's identity. Votes are keyed
to it, so two accounts of one person share one vote. `DevIdentityProvider` derives such a key
locally; a real provider replaces it by configuration (GONGNON_IDENTITY_PROVIDER)."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Invalid


@dataclass(frozen=True)
class IdentityClaim:
    """What the person states; a provider checks it (the dev provider only normalises it)."""

    name: str
    birth_date: date
    phone: str


@dataclass(frozen=True)
class VerifiedIdentity:
    citizen_key: str
    provider: str


class IdentityProvider(Protocol):
    name: str

    async def verify(self, claim: IdentityClaim) -> VerifiedIdentity: ...


_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    # "홍 길동" and "홍길동" are one person; full-width and case variants too.
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()


def normalize_phone(phone: str) -> str:
    raw = unicodedata.normalize("NFKC", phone).strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+82") or (raw.startswith("82") and len(digits) >= 11):
        digits = "0" + digits[2:]
    return digits


class DevIdentityProvider:
    """Derives the citizen key as HMAC-SHA256(secret, name|birth_date|phone), like a CI.

    It trusts the claim: fine for development and tests, never for production voting."""

    name = "dev"

    def __init__(self, secret: bytes, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock

    async def verify(self, claim: IdentityClaim) -> VerifiedIdentity:
        name = normalize_name(claim.name)
        phone = normalize_phone(claim.phone)
        problems: list[dict[str, Any]] = []
        if not name:
            problems.append({"loc": ["name"], "msg": "이름을 입력해 주세요", "type": "value_error"})
        if not re.fullmatch(r"0\d{8,10}", phone):
            problems.append({"loc": ["phone"], "msg": "휴대전화 번호가 올바르지 않습니다", "type": "value_error"})
        today = self._clock.now().date()
        if not date(1900, 1, 1) <= claim.birth_date <= today:
            problems.append({"loc": ["birth_date"], "msg": "생년월일이 올바르지 않습니다", "type": "value_error"})
        if problems:
            raise Invalid("the identity claim is not valid", code="identity_invalid", details=problems)
        message = f"{name}|{claim.birth_date.isoformat()}|{phone}".encode()
        return VerifiedIdentity(
            citizen_key=hmac.new(self._secret, message, hashlib.sha256).hexdigest(), provider=self.name
        )


def build_identity_provider(spec: str, secret: str, clock: Clock, settings: Any) -> IdentityProvider:
    """ "dev", or "package.module:factory" where factory(settings) returns a provider."""
    if spec == "dev":
        return DevIdentityProvider(secret.encode(), clock)
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"GONGNON_IDENTITY_PROVIDER must be 'dev' or 'module:factory', not {spec!r}")
    factory = getattr(importlib.import_module(module_name), attr)
    provider: IdentityProvider = factory(settings)
    return provider
