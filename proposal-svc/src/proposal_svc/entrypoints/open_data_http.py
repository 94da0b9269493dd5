"""Open data's source (the gateway publishes it as JSON and CSV): pages of published items as
flat rows, in id order; `since` makes it incremental (items changed since then)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain.open_data import LICENCE, PUBLISHED_STATUSES, SCHEMA, row


def build_open_data_router(repo: ProposalRepository, now: Callable[[], datetime]) -> APIRouter:
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

    return router
