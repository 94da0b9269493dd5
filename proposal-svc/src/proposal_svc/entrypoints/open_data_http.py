"""Open data's source (the gateway publishes it as JSON and CSV): pages of published items as
flat rows, in id order; `since` makes it incremental (items changed since then); and the
daily snapshots, frozen at the start of each day (KST)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gongnon_contracts.refusals import NotFound
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain.open_data import LICENCE, PUBLISHED_STATUSES, SCHEMA, row
from proposal_svc.service_layer.open_data_snapshots import DailySnapshots


def build_open_data_router(
    repo: ProposalRepository, snapshots: DailySnapshots, now: Callable[[], datetime]
) -> APIRouter:
    router = APIRouter(tags=["open data"])

    @router.get("/open-data/proposals")
    async def proposals(
        since: datetime | None = None,
        after: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> dict[str, Any]:
        found = await repo.published(PUBLISHED_STATUSES, since, after, limit)
        return {
            "licence": LICENCE,
            "schema": {k: {"type": t, "description": d} for k, (t, d) in SCHEMA.items()},
            "generated_at": now(),
            "since": since,
            "items": [row(p, changed) for p, changed in found],
            "next_after": found[-1][0].id if len(found) == limit else None,
        }

    @router.get("/open-data/snapshots")
    async def snapshot_list() -> dict[str, Any]:
        """The daily snapshots kept, newest first."""
        return {"licence": LICENCE, "items": await snapshots.listing()}

    @router.get("/open-data/snapshots/{day}")
    async def snapshot_chunk(day: date, chunk: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
        """One chunk of the day's frozen rows (404 `no_snapshot`: none kept for that day)."""
        found = await snapshots.chunk(day, chunk)
        if found is None:
            raise NotFound(f"no open-data snapshot of {day.isoformat()}", code="no_snapshot")
        manifest, rows = found
        return {
            "licence": LICENCE,
            "schema": {k: {"type": t, "description": d} for k, (t, d) in SCHEMA.items()},
            "day": manifest["_id"],
            "taken_at": manifest["taken_at"],
            "rows": manifest["rows"],
            "chunks": manifest["chunks"],
            "chunk": chunk,
            "items": rows,
            "next_chunk": chunk + 1 if chunk + 1 < manifest["chunks"] else None,
        }

    return router
