"""Open data's daily snapshots (e-petitions publish a daily file): once a day (KST), the whole
published dataset as it stands, frozen, so a figure quoted from "the file of 5 December" can be
checked later; the incremental feed (`since`) carries what changed in between."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from gongnon_chassis.store import Store
from proposal_svc.adapters.open_data_snapshots import SnapshotStore
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain.open_data import PUBLISHED_STATUSES, SNAPSHOT_CHUNK, expired_days, row, snapshot_day

log = logging.getLogger(__name__)


@dataclass
class DailySnapshots:
    store: Store
    proposals: ProposalRepository
    snapshots: SnapshotStore

    async def take_if_due(self) -> date | None:
        """Take today's snapshot unless it exists; drop those past the keeping period. Returns the
        day taken (None: nothing was due, or another instance took it)."""
        now = self.store.clock.now()
        day = snapshot_day(now)
        for old in expired_days([date.fromisoformat(m["_id"]) for m in await self.snapshots.manifests()], day):
            await self.snapshots.drop(old)
        if await self.snapshots.manifest(day) is not None:
            return None
        started = time.monotonic()
        take = self.snapshots.new_take()
        after: str | None = None
        rows = chunks = 0
        totals: dict[str, dict[str, int]] = {}  # per agency: the day's items and supports (statistics)
        while True:
            found = await self.proposals.published(PUBLISHED_STATUSES, None, after, SNAPSHOT_CHUNK)
            if not found:
                break
            for p, _ in found:
                total = totals.setdefault(p.agency, {"items": 0, "supports": 0})
                total["items"] += 1
                total["supports"] += p.support_count
            await self.snapshots.write_chunk(day, take, chunks, [row(p, changed) for p, changed in found])
            rows += len(found)
            chunks += 1
            after = found[-1][0].id
            if len(found) < SNAPSHOT_CHUNK:
                break
        if not await self.snapshots.publish(day, take, rows, chunks, now, totals):
            return None
        log.info(
            "open-data snapshot of %s: %d rows in %d chunks, %.1f s", day, rows, chunks, time.monotonic() - started
        )
        return day

    async def listing(self) -> list[dict[str, Any]]:
        return [
            {
                "day": m["_id"],
                "rows": m["rows"],
                "chunks": m["chunks"],
                "taken_at": m["taken_at"],
                "by_agency": m.get("by_agency", {}),
            }
            for m in await self.snapshots.manifests()
        ]

    async def chunk(self, day: date, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The day's manifest and its n-th chunk of rows (None: no snapshot of that day)."""
        manifest = await self.snapshots.manifest(day)
        if manifest is None:
            return None
        rows = await self.snapshots.chunk(day, manifest["take"], n) if 0 <= n < manifest["chunks"] else []
        return manifest, rows
