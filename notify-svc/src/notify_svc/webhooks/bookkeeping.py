"""The lanes' bookkeeping, written together: each delivered page's log entries, its dead letters
and the lane's new cursor. Pages finished by any lane within one interval share one write of each
kind, so ten lanes cost the database what one does, and a busy lane is not slowed by it (lanes go
on delivering while their pages wait here; see Lane.page)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Histogram

from notify_svc.webhooks.repository import DeliveryLog, SubscriptionRepository

log = logging.getLogger(__name__)
INTERVAL_S = 0.5
RETRY_PAUSE_S = 0.5
BOOKKEEPING = Histogram("gongnon_webhook_bookkeeping_seconds", "Writing delivered pages' log and cursors")


@dataclass(frozen=True)
class PageDone:
    sub_id: str
    generation: int
    cursor: int  # every matching event up to this seq is delivered or dead-lettered
    entries: Sequence[dict[str, Any]]
    at: datetime


class Bookkeeper:
    def __init__(self, subs: SubscriptionRepository, deliveries: DeliveryLog, interval_s: float = INTERVAL_S) -> None:
        self.subs = subs
        self.deliveries = deliveries
        self.interval_s = interval_s
        self._queue: list[tuple[PageDone, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def done(self, page: PageDone) -> None:
        """Returns once the page's log and the cursor after it are written (the log first: a crash
        in between delivers the page again and logs it once, under the same id)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="webhook-bookkeeping")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((page, future))
        self._wake.set()
        await asyncio.shield(future)

    async def stop(self) -> None:
        if self._task is not None:
            await self._flush_queued()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = time.perf_counter()
            await self._flush_queued()
            # Pages that finish meanwhile gather for the next write.
            await asyncio.sleep(max(0.0, self.interval_s - (time.perf_counter() - started)))

    async def _flush_queued(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        pages = [p for p, _ in batch]
        # Retried until written, in order: no later page's cursor overtakes an unwritten one.
        while True:
            started = time.perf_counter()
            try:
                await self.deliveries.record_pages([(p.sub_id, p.generation, p.entries, p.at) for p in pages])
                await self.subs.advance_many([(p.sub_id, p.generation, p.cursor) for p in pages])
                break
            except Exception:
                log.warning("webhook bookkeeping of %d page(s) failed; retrying", len(pages), exc_info=True)
                await asyncio.sleep(RETRY_PAUSE_S)
        BOOKKEEPING.observe(time.perf_counter() - started)
        for _, future in batch:
            if not future.done():
                future.set_result(None)
