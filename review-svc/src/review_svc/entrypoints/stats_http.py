"""Departments' answer statistics over HTTP (called by the gateway only): public reading."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Invalid
from review_svc.adapters.department_stats import CaseFactsReader
from review_svc.domain.department_stats import department_stats

AgencyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]


def build_stats_router(reader: CaseFactsReader, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["departments"])

    @router.get("/agencies/{agency}/department-stats")
    async def stats(
        agency: AgencyId,
        since: Annotated[datetime | None, Query(description="Cases opened at or after (ISO 8601)")] = None,
        until: Annotated[datetime | None, Query(description="Cases opened before (ISO 8601)")] = None,
    ) -> dict[str, Any]:
        since, until = _aware(since), _aware(until)
        if since is not None and until is not None and since >= until:
            raise Invalid("since must be before until", code="invalid_period")
        now = clock.now()
        rows = department_stats(await reader.facts(agency, since, until), now)
        return {
            "agency": agency,
            "since": since,
            "until": until,
            "as_of": now,
            "items": [asdict(r) for r in rows],
        }

    return router


def _aware(t: datetime | None) -> datetime | None:
    # A date without a zone is read as UTC, so the database compares like with like; one at the
    # edge of the calendar (year 1 at +14:00) cannot be turned into UTC at all: the caller's 422.
    if t is None:
        return None
    try:
        utc = (t.replace(tzinfo=UTC) if t.tzinfo is None else t).astimezone(UTC)
    except OverflowError as exc:
        raise Invalid("a date out of range", code="invalid_period") from exc
    if not 1970 <= utc.year <= 9000:
        raise Invalid("a date out of range", code="invalid_period")
    return utc
