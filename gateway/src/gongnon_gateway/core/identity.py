"""Identity verification: binds an account to a person.

Korea's identity services (PASS, 공동인증서) return a 연계정보 (CI): a key that is the same for
one person across every site, derived by a keyed hash of the person's identity. Votes are keyed
to it, so two accounts of one person share one vote. `DevIdentityProvider` derives such a key
locally and believes any claim, so it runs only in development or test mode; a real provider (a
PASS or NICE adapter) is plugged in by configuration, GONGNON_IDENTITY_PROVIDER=package.module:factory.
The contract such an adapter keeps is `IdentityProvider` below and docs/security.md."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, runtime_checkable

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Invalid
from gongnon_chassis.settings import ConfigurationError, ServiceSettings


@dataclass(frozen=True)
class IdentityClaim:
    """What the person states; a provider checks it (the dev provider only normalises it)."""

    name: str
    birth_date: date
    phone: str


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider vouches for. `citizen_key`: the same for one person at every verification,
    whatever account or phone they use, and for nobody else (derived from the provider's CI by a
    keyed hash, never a resident registration number). `birth_date`: as the provider verified it
    (the person's age), None only where the provider gives none."""

    citizen_key: str
    provider: str
    birth_date: date | None = None


@runtime_checkable
class IdentityProvider(Protocol):
    """본인인증: binds an account to a person. An adapter (PASS, NICE, …) is built by a factory
    named in GONGNON_IDENTITY_PROVIDER ("package.module:factory", called with the gateway's
    settings) and must:

    - `verify(claim)`: ask the provider, and return a VerifiedIdentity only for the person the
      provider confirmed (name, birth date and phone match); otherwise raise
      `gongnon_chassis.errors.Invalid` with code `identity_invalid` (422) and nothing stored;
    - derive `citizen_key` from the provider's 연계정보 (CI) with a keyed hash under a secret of
      the adapter's, stable across restarts and replicas: votes are keyed to it;
    - keep and return no resident registration number (주민등록번호), and log no claim;
    - raise `gongnon_chassis.errors.Unavailable` (503) when the provider cannot be reached.
    `name` is stored with the account (which provider verified it)."""

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
            citizen_key=hmac.new(self._secret, message, hashlib.sha256).hexdigest(),
            provider=self.name,
            birth_date=claim.birth_date,
        )


def build_identity_provider(spec: str, secret: str, clock: Clock, settings: ServiceSettings) -> IdentityProvider:
    """ "dev" (development and test mode only), or "package.module:factory" where
    factory(settings) returns a provider. Refuses to start (ConfigurationError) otherwise."""
    if spec == "dev":
        if not settings.development:
            raise ConfigurationError(
                "GONGNON_IDENTITY_PROVIDER=dev believes any name and phone number: it runs only with "
                "GONGNON_DEV_MODE=1 or GONGNON_TEST_MODE=1. Set GONGNON_IDENTITY_PROVIDER to your 본인인증 "
                "adapter, package.module:factory (docs/security.md)."
            )
        return DevIdentityProvider(secret.encode(), clock)
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(f"GONGNON_IDENTITY_PROVIDER must be 'dev' or 'package.module:factory', not {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"GONGNON_IDENTITY_PROVIDER={spec!r} names nothing importable: {exc}") from exc
    provider = factory(settings)
    if not isinstance(provider, IdentityProvider):
        raise ConfigurationError(f"{spec} did not return an identity provider (a name and an async verify)")
    return provider
