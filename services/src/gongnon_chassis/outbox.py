"""The outbox relay: publishes committed events in order and marks them published.

At-least-once: a crash after the broker acknowledged but before the mark re-sends the event
with the same id, and consumers de-duplicate on it (Store.handle_once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

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
        while True:
            # Clear before draining so a commit that lands during the drain wakes the next round.
            self.store.outbox_wakeup.clear()
            try:
                while await self.drain_once() == BATCH:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox relay failed; will retry", exc_info=True)
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.store.outbox_wakeup.wait(), timeout=self.poll_s)
