"""Unit tests: the development identity provider behaves like a CI (연계정보)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gongnon_chassis.clock import FixedClock
from gongnon_chassis.errors import Invalid
from gongnon_gateway.core.identity import DevIdentityProvider, IdentityClaim, normalize_phone

CLOCK = FixedClock(datetime(2025, 3, 1, tzinfo=UTC))


def provider(secret: bytes = b"ci-secret") -> DevIdentityProvider:
    return DevIdentityProvider(secret, CLOCK)


async def test_the_same_person_gets_the_same_key_however_it_is_typed() -> None:
    a = await provider().verify(IdentityClaim("홍길동", date(1990, 5, 17), "010-1234-5678"))
    b = await provider().verify(IdentityClaim(" 홍 길동 ", date(1990, 5, 17), "+82 10 1234 5678"))
    c = await provider().verify(IdentityClaim("홍길동", date(1990, 5, 17), "01012345678"))
    assert a.citizen_key == b.citizen_key == c.citizen_key
    assert len(a.citizen_key) == 64
    assert a.provider == "dev"


@pytest.mark.parametrize(
    "claim",
    [
        IdentityClaim("홍길순", date(1990, 5, 17), "010-1234-5678"),
        IdentityClaim("홍길동", date(1990, 5, 18), "010-1234-5678"),
        IdentityClaim("홍길동", date(1990, 5, 17), "010-1234-5679"),
    ],
)
async def test_a_different_person_gets_a_different_key(claim: IdentityClaim) -> None:
    base = await provider().verify(IdentityClaim("홍길동", date(1990, 5, 17), "010-1234-5678"))
    assert (await provider().verify(claim)).citizen_key != base.citizen_key


async def test_the_key_depends_on_the_secret() -> None:
    claim = IdentityClaim("홍길동", date(1990, 5, 17), "010-1234-5678")
    assert (await provider(b"one").verify(claim)).citizen_key != (await provider(b"two").verify(claim)).citizen_key


@pytest.mark.parametrize(
    "claim",
    [
        IdentityClaim("   ", date(1990, 5, 17), "010-1234-5678"),
        IdentityClaim("홍길동", date(1990, 5, 17), "12"),
        IdentityClaim("홍길동", date(2030, 1, 1), "010-1234-5678"),
    ],
)
async def test_implausible_claims_are_refused(claim: IdentityClaim) -> None:
    with pytest.raises(Invalid) as info:
        await provider().verify(claim)
    assert info.value.code == "identity_invalid"


def test_phone_normalisation() -> None:
    assert normalize_phone("+82-10-1234-5678") == "01012345678"
    assert normalize_phone("010 1234 5678") == "01012345678"
    assert normalize_phone("02-123-4567") == "021234567"
