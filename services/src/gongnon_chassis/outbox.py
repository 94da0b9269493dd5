"""The outbox relay: publishes committed events in order and marks them published.

At-least-once: a crash after the broker acknowledged but before the mark re-sends the event
with the same id, and consumers de-duplicate on it (Store.handle_once).

One publisher per service at a time: every replica runs a relay, but only the holder of the
service's `outbox-relay` lease (lease.py) drains. The holder renews it every few seconds; when it
dies the lease expires and another replica's relay takes over from the oldest unpublished row.
A holder that lost the lease while a batch was on its way still marks it (the new holder may
have read the rows meanwhile and send them again: at-least-once, as above)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pymongo import ASCENDING

from gongnon_chassis.faults import fault_point
from gongnon_chassis.kafka import Producer
from gongnon_chassis.lease import RENEW_EVERY_S, Lease
from gongnon_chassis.metrics import EVENTS_PUBLISHED, OUTBOX_LEASE_HELD
from gongnon_chassis.store import Doc, Store

log = logging.getLogger(__name__)

BATCH = 500  # rows per round
ROUND_EVENTS = 5000  # events per round: rows of a thousand tallies are cut off after a few
LEASE = "outbox-relay"


class OutboxRelay:
    def __init__(
        self,
        store: Store,
        producer: Producer,
        poll_s: float = 0.5,
        *,
        lease: Lease | None = None,
        renew_every_s: float = RENEW_EVERY_S,
    ) -> None:
        self.store = store
        self.producer = producer
        self.poll_s = poll_s
        self.lease = lease or Lease(store.db, LEASE, store.clock)
        self.renew_every_s = renew_every_s
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self._renew()  # before the first drain, so a lone replica publishes at once
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._keep_lease())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        with contextlib.suppress(Exception):  # unreleased, it expires on its own
            await self.lease.release()
        OUTBOX_LEASE_HELD.set(0)

    async def drain_once(self) -> int:
        if not await self.lease.ensure():
            return 0  # another replica publishes
        docs, full = await self._next_rows()
        if not docs:
            return 0
        fault_point("outbox.before_publish")
        events = [e for d in docs for e in d["events"]]
        await self.producer.send_many(
            [(e["topic"], e["key"], e["envelope"], e["envelope"].get("trace") or {}) for e in events]
        )
        fault_point("outbox.after_publish")
        # Marked even if the lease moved while the batch was on its way: the rows did go out, and
        # marking them spares the new holder sending them again (no database check of the lease
        # here: one more statement per batch, for nothing).
        ids = [d["_id"] for d in docs]
        await self.store.db.outbox.update_many({"_id": {"$in": ids}}, {"$set": {"published": True}})
        for e in events:
            EVENTS_PUBLISHED.labels(e["envelope"]["type"]).inc()
        return BATCH if full else len(docs)

    async def _next_rows(self) -> tuple[list[Doc], bool]:
        """The oldest unpublished rows, up to BATCH rows or ROUND_EVENTS events between them (at
        least one row), read a few at a time: rows of a thousand tallies are large. True when
        more may be waiting."""
        rows: list[Doc] = []
        events = 0
        cursor = self.store.db.outbox.find({"published": False}).sort("_id", ASCENDING).limit(BATCH).batch_size(50)
        try:
            async for row in cursor:
                if rows and events + len(row["events"]) > ROUND_EVENTS:
                    return rows, True
                rows.append(row)
                events += len(row["events"])
        finally:
            await cursor.close()
        return rows, len(rows) == BATCH

    async def _renew(self) -> None:
        had = self.lease.held()
        try:
            held = await self.lease.acquire()
        except Exception:
            log.warning("outbox relay: could not renew its lease; will retry", exc_info=True)
            return
        OUTBOX_LEASE_HELD.set(1 if held else 0)
        if held and not had:
            log.info("outbox relay: this replica publishes now (%s)", self.lease.holder)
            self.store.outbox_wakeup.set()  # what waited for the lease to move

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every_s)
            await self._renew()

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
