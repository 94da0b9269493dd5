"""Reading an operator's CSV of paper ballots (pure parts, and identity resolution with the dev provider)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gongnon_chassis.clock import FixedClock
from gongnon_chassis.errors import Invalid
from gongnon_gateway.core.identity import DevIdentityProvider, IdentityClaim
from gongnon_gateway.offline_ballots import decode, import_id_of, parse_batch, parse_birth_date, read_rows

PROVIDER = DevIdentityProvider(b"test-secret", FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))


async def test_identities_resolve_to_the_key_online_verification_gives() -> None:
    raw = "이름,생년월일,휴대전화,선택\n홍 길동,1980.05.05,+82 10-1234-5678,yes; no\n".encode("cp949")
    batch = await parse_batch(raw, PROVIDER)
    online = await PROVIDER.verify(IdentityClaim("홍길동", date(1980, 5, 5), "010-1234-5678"))
    assert batch.votes == [{"line": 2, "citizen_key": online.citizen_key, "choices": ["yes", "no"]}]
    assert batch.rejects == []
    assert batch.import_id == import_id_of(raw)


async def test_bad_lines_are_rejected_with_their_line_number() -> None:
    text = "\n".join(
        [
            "citizen_key,name,birth_date,phone",
            "ck-1,,,",
            "ck 2,,,",  # not a key
            ",김,1990-02-30,010-1111-2222",  # no such date
            ",김,,010-1111-2222",  # missing birth date
            ",김,1990-01-01,123",  # the provider refuses the phone
            "a,b",  # wrong field count
            ",,,",  # blank: skipped
            ",이,19900101,01011112222",
        ]
    )
    batch = await parse_batch(text.encode(), PROVIDER)
    assert [v["line"] for v in batch.votes] == [2, 9]
    assert {r["line"]: r["reason"] for r in batch.rejects} == {
        3: "malformed",
        4: "malformed",
        5: "malformed",
        6: "malformed",
        7: "malformed",
    }
    assert "phone" in next(r["message"] for r in batch.rejects if r["line"] == 6)


def test_header_must_name_a_key_or_an_identity() -> None:
    with pytest.raises(Invalid):
        read_rows("name,phone\n김,010\n")
    with pytest.raises(Invalid):
        read_rows("")
    assert read_rows("CI\nx\n")[0] == ["citizen_key"]


def test_encodings_and_dates() -> None:
    assert decode("\ufeffcitizen_key\n".encode()) == "citizen_key\n"
    assert decode("이름".encode("cp949")) == "이름"
    assert parse_birth_date("1980-5-5") == date(1980, 5, 5)
    assert parse_birth_date("1980.05.05.") == date(1980, 5, 5)
    assert parse_birth_date("19800505") == date(1980, 5, 5)
    with pytest.raises(ValueError, match="not a date"):
        parse_birth_date("05/05/1980")
