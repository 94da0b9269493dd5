"""Publishes the public stream on Kafka (`gongnon.public`, keyed by item, so one item's events keep
their order) straight from `public_events`, in seq order after its own cursor (`public_relay`).

The events are written once, in the projector's transaction, and that collection is their outbox:
a second copy in the chassis outbox cost every projector batch as many inserts again, and the relay
an update per event (SecantusDB was the busiest process in `./dev bench webhooks`). At least once:
a crash between the send and the cursor's write sends those events again under the same ids, and
consumers de-duplicate by id, as for every other topic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from prometheus_client import Counter

from gongnon_chassis.kafka import Producer
from gongnon_chassis.outbox import drain_on_wake
from gongnon_contracts.public_events import PUBLIC_TOPIC
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.webhooks.repository import SPAN

log = logging.getLogger(__name__)

PAGE = 500
CURSOR = "kafka"
PUBLISHED = Counter("gongnon_public_events_published_total", "Public events sent to Kafka")


class PublicRelay:
    def __init__(self, db: Any, events: PublicEventStore, producer: Producer, poll_s: float) -> None:
        self._state = db.public_relay
        self.events = events
        self.producer = producer
        self.poll_s = poll_s
        self._cursor: int | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New events are committed (this process's projector): publish them now, not at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="public-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def cursor(self) -> int:
        if self._cursor is None:
            doc = await self._state.find_one({"_id": CURSOR})
            if doc is None:
                # First start: events recorded before this relay existed went out through the
                # chassis outbox with their projection, so begin at the head.
                head = await self.events.head()
                await self._state.update_one({"_id": CURSOR}, {"$setOnInsert": {"seq": head}}, upsert=True)
                doc = await self._state.find_one({"_id": CURSOR})
            self._cursor = int((doc or {}).get("seq", 0))
        return self._cursor

    async def drain_once(self) -> int:
        """Publish the next page of committed events; returns how many were sent."""
        try:
            return await self._publish_page()
        except Exception:
            self._cursor = None  # read it again: another replica may have moved it
            raise

    async def _publish_page(self) -> int:
        cursor = await self.cursor()
        head = await self.events.head()
        if head <= cursor:
            return 0
        upto = min(head, cursor + SPAN)
        docs = await self.events.page(cursor, upto, PAGE)
        if docs:
            await self.producer.send_many([(PUBLIC_TOPIC, d["item_id"], d["event"], {}) for d in docs])
        end = int(docs[-1]["seq"]) if len(docs) == PAGE else upto
        await self._state.update_one({"_id": CURSOR}, {"$max": {"seq": end}}, upsert=True)
        self._cursor = end
        PUBLISHED.inc(len(docs))
        return len(docs)

    async def _run(self) -> None:
        await drain_on_wake(self.drain_once, self._wake, self.poll_s, "public relay", PAGE)
