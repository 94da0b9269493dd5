"""The bounds of every number a client may send (issue 18: nothing a client sends becomes a
server error). A number is bounded where it enters — in the request models of the gateway and of
each service — so that whatever passes fits MongoDB (64-bit integers, dates within years
1..9999 after any arithmetic on them) and makes sense for the domain; anything else is the
caller's 422, never the store's exception.

The limits are generous for every real agency and far inside what the store can hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

INT64_MAX = 2**63 - 1
# Korea has 51 million people; no agency's census is larger than this.
CENSUS_MAX = 100_000_000
# Supports, participants, voters: a threshold, a quorum or a count a rule names.
COUNT_MAX = 100_000_000
# Windows, due dates, the length of a vote or of a support period: ten years at most.
DAYS_MAX = 3650
# A budget in KRW (Seoul's whole yearly budget is about 5 × 10^13).
KRW_MAX = 10**15
# A moment a client names (a vote opens or closes): the platform's own lifetime, with room.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _platform_time(value: datetime) -> datetime:
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:  # an offset that pushes year 1 or 9999 out of range
        inside = False
    if not inside:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()}")
    return value


# A moment with a time zone, within EARLIEST..LATEST.
Moment = Annotated[AwareDatetime, AfterValidator(_platform_time)]
