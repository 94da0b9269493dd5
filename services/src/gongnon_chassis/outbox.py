"""The outbox relay: publishes committed events in order and marks them published.

At-least-once: a crash after the broker acknowledged but before the mark re-sends the event
with the same id, and consumers de-duplicate on it (Store.handle_once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pymongo import ASCENDING

from gongnon_chassis.faults import fault_point
from gongnon_chassis.kafka import Producer
from gongnon_chassis.metrics import EVENTS_PUBLISHED
from gongnon_chassis.store import Store

log = logging.getLogger(__name__)

BATCH = 500


class OutboxRelay:
    def __init__(self, store: Store, producer: Producer, poll_s: float = 0.5) -> None:
        self.store = store
        self.producer = producer
        self.poll_s = poll_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def drain_once(self) -> int:
        docs = await self.store.db.outbox.find({"published": False}).sort("_id", ASCENDING).limit(BATCH).to_list(BATCH)
        if not docs:
            return 0
        fault_point("outbox.before_publish")
        await self.producer.send_many(
            [(d["topic"], d["key"], d["envelope"], d["envelope"].get("trace") or {}) for d in docs]
        )
        fault_point("outbox.after_publish")
        ids = [d["_id"] for d in docs]
        await self.store.db.outbox.update_many({"_id": {"$in": ids}}, {"$set": {"published": True}})
        for d in docs:
            EVENTS_PUBLISHED.labels(d["envelope"]["type"]).inc()
        return len(docs)

    async def _run(self) -> None:
        await drain_on_wake(self.drain_once, self.store.outbox_wakeup, self.poll_s, "outbox relay", BATCH)


async def drain_on_wake(
    drain_once: Callable[[], Awaitable[int]], wake: asyncio.Event, poll_s: float, name: str, page: int
) -> None:
    """Forever: drain while whole pages come back, then wait until woken (a commit) or `poll_s`
    passes (other replicas' commits). A failure is logged and retried after a second."""
    while True:
        # Clear before draining so a commit that lands during the drain wakes the next round.
        wake.clear()
        try:
            while await drain_once() == page:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("%s failed; will retry", name, exc_info=True)
            await asyncio.sleep(1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_s)
