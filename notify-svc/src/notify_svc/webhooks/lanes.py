"""Delivery lanes: one per subscription, each its own task and connection pool, so a slow or dead
receiver delays nobody else's deliveries.

A lane repeats: take the next bounded page of matching public events after its cursor (at most
PAGE events within SPAN seqs), deliver each item's events in seq order and different items at once
(up to `concurrency` requests), retry failures with exponential backoff and full jitter on the
platform clock, dead-letter an event after the retry limit, log the page's outcomes, then move the
cursor past the page. A crash repeats at most the page it was in (at least once: receivers
de-duplicate by `webhook-id`, which is the public event's id).

The dispatcher holds a lease on each lane it runs (one replica per subscription), follows the
head of the public stream (woken by the projector in this process, polling for the others), and
starts and stops lanes as subscriptions come and go."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import orjson
from prometheus_client import Counter, Histogram

from gongnon_chassis.clock import Clock
from gongnon_chassis.grouping import group_by
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.webhooks.backoff import RetryPolicy
from notify_svc.webhooks.bookkeeping import Bookkeeper, PageDone
from notify_svc.webhooks.recent import RecentEvents
from notify_svc.webhooks.repository import SPAN, DeliveryLog, Subscription, SubscriptionRepository
from notify_svc.webhooks.sender import Attempt, Sender

log = logging.getLogger(__name__)

PAGE = 500
MAX_UNWRITTEN = 8  # delivered pages whose log and cursor are not yet written
LEASE_S = 30.0
SUPERVISE_S = 5.0  # this replica's own changes act at once (Dispatcher.refresh)
HEAD_POLL_S = 1.0  # this replica's own commits wake the lanes at once (Dispatcher.committed)
CLOCK_STEP_S = 0.25  # how often a backoff wait looks at the platform clock again

DELIVERIES = Counter("gongnon_webhook_deliveries_total", "Webhook deliveries by outcome", ["outcome"])
ATTEMPTS = Counter("gongnon_webhook_attempts_total", "Webhook delivery attempts by result", ["result"])
LATENCY = Histogram("gongnon_webhook_attempt_seconds", "Webhook request latency")


@dataclass(frozen=True)
class LaneSettings:
    policy: RetryPolicy
    timeout_s: float
    concurrency: int
    allow_private: bool
    page: int = PAGE


def entry(doc: dict[str, Any], status: str, attempts: int, last: Attempt, at: Any) -> dict[str, Any]:
    """One event's line in the delivery log."""
    return {
        "id": f"dlv_{doc['seq']}",
        "seq": int(doc["seq"]),
        "event_id": doc["event"]["id"],
        "type": doc["type"],
        "item_id": doc["item_id"],
        "status": status,
        "attempts": attempts,
        "status_code": last.status_code,
        "latency_ms": last.latency_ms,
        "error": last.error,
        "at": at,
    }


async def wait_on_clock(clock: Clock, seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep `seconds` of platform time (a test that moves the clock cuts it short), or until stop()."""
    due = clock.now() + timedelta(seconds=seconds)
    while not stop():
        left = (due - clock.now()).total_seconds()
        if left <= 0:
            return
        await asyncio.sleep(min(left, CLOCK_STEP_S))


class Lane:
    def __init__(
        self,
        sub: Subscription,
        events: PublicEventStore,
        clock: Clock,
        settings: LaneSettings,
        head: Callable[[], int],
        recent: RecentEvents,
        book: Bookkeeper,
    ) -> None:
        self.sub = sub
        self.events = events
        self.recent = recent
        self.book = book
        self.clock = clock
        self.settings = settings
        self.head = head
        self.sender = Sender(settings.timeout_s, settings.concurrency, settings.allow_private)
        self.wake = asyncio.Event()
        self.stopping = False
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._unwritten: deque[asyncio.Task[None]] = deque()
        self._rng = random.Random()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"webhook-lane-{self.sub.id}")

    async def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self._unwritten:  # what was delivered is logged before the lane goes
            await asyncio.gather(*self._unwritten, return_exceptions=True)
        await self.sender.close()

    def update(self, sub: Subscription) -> None:
        """A newer view of the subscription (a replay: a new generation and cursor)."""
        if sub.generation != self.sub.generation or sub.url != self.sub.url:
            self.sub = sub
            self.wake.set()

    async def _run(self) -> None:
        while not self.stopping:
            try:
                if not await self.page():
                    self.wake.clear()
                    if self.head() <= self.sub.cursor:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.wake.wait(), HEAD_POLL_S)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook lane %s failed; retrying", self.sub.id, exc_info=True)
                await asyncio.sleep(1.0)

    async def page(self) -> bool:
        """Deliver the next page; False when there was nothing to do."""
        sub = self.sub
        head = self.head()
        if head <= sub.cursor:
            return False
        upto = min(sub.cursor + SPAN, head)
        limit = self.settings.page
        docs = self.recent.page(sub.cursor, upto, limit, sub.only_agency, sub.types)
        if docs is None:
            docs = await self.events.page(sub.cursor, upto, limit, agency=sub.only_agency, types=sub.types)
        end = int(docs[-1]["seq"]) if len(docs) == limit else upto
        chains = group_by(docs, key=lambda d: d["item_id"])
        results = await asyncio.gather(*(self._chain(sub, chain) for chain in chains.values()))
        if self._replaced(sub):
            return True  # a replay began meanwhile: this page's outcomes no longer move anything
        entries = sorted((e for chain in results for e in chain), key=lambda e: e["seq"])
        # The next page does not wait for this one's log and cursor to be written (they are written
        # in order, pages of all lanes together); a crash before they are repeats these deliveries,
        # under the same webhook-ids. At most MAX_UNWRITTEN pages run ahead of the database.
        done = PageDone(sub.id, sub.generation, end, entries, self.clock.now())
        self._unwritten.append(asyncio.create_task(self.book.done(done)))
        while self._unwritten and (self._unwritten[0].done() or len(self._unwritten) > MAX_UNWRITTEN):
            await self._unwritten.popleft()
        if self.sub.generation == sub.generation:
            self.sub = replace(self.sub, cursor=end)
        return True

    def _replaced(self, sub: Subscription) -> bool:
        return self.stopping or self.sub.generation != sub.generation

    async def _chain(self, sub: Subscription, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One item's events in seq order: the next only once the one before is done."""
        out = []
        for doc in docs:
            result = await self._deliver(sub, doc)
            if result is None:
                break
            out.append(result)
        return out

    async def _deliver(self, sub: Subscription, doc: dict[str, Any]) -> dict[str, Any] | None:
        body = doc.get("_body")
        if body is None:  # encoded once per event, whichever lane comes first (the docs are shared)
            body = doc["_body"] = orjson.dumps(doc["event"])
        event_id = doc["event"]["id"]
        attempts = 0
        while True:
            attempts += 1
            timestamp = int(self.clock.now().timestamp())
            async with self._slots:
                last = await self.sender.post(sub.url, sub.secret, event_id, timestamp, body)
            LATENCY.observe(last.latency_ms / 1000)
            ATTEMPTS.labels("ok" if last.ok else "failed").inc()
            if last.ok:
                DELIVERIES.labels("delivered").inc()
                return entry(doc, "delivered", attempts, last, self.clock.now())
            if self.settings.policy.gives_up(attempts):
                DELIVERIES.labels("dead").inc()
                log.info("webhook %s: event %s dead-lettered after %d attempts", sub.id, doc["seq"], attempts)
                return entry(doc, "dead", attempts, last, self.clock.now())
            await wait_on_clock(
                self.clock, self.settings.policy.delay(attempts, self._rng), lambda: self._replaced(sub)
            )
            if self._replaced(sub):
                return None


class Dispatcher:
    def __init__(
        self,
        events: PublicEventStore,
        subs: SubscriptionRepository,
        deliveries: DeliveryLog,
        clock: Clock,
        settings: LaneSettings,
        owner: str | None = None,
    ) -> None:
        self.events = events
        self.subs = subs
        self.deliveries = deliveries
        self.clock = clock
        self.settings = settings
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{os.urandom(3).hex()}"
        self.lanes: dict[str, Lane] = {}
        self.recent = RecentEvents()
        self.book = Bookkeeper(subs, deliveries)
        self._head = 0
        self._tasks: list[asyncio.Task[None]] = []

    def head(self) -> int:
        return self._head

    def committed(self, docs: list[dict[str, Any]]) -> None:
        """The projector in this process committed these events (in seq order): keep them for the
        lanes' pages and wake the lanes."""
        if docs:
            self.recent.fill(docs)
            self.advanced(int(docs[-1]["seq"]))

    def advanced(self, seq: int) -> None:
        """Public events up to `seq` are committed: wake the lanes."""
        if seq > self._head:
            self._head = seq
            for lane in self.lanes.values():
                lane.wake.set()

    async def start(self) -> None:
        self.advanced(await self.events.head())
        self._tasks = [
            asyncio.create_task(self._every(HEAD_POLL_S, self._poll_head), name="webhook-head"),
            asyncio.create_task(self._every(SUPERVISE_S, self.supervise), name="webhook-supervisor"),
        ]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        for lane in list(self.lanes.values()):
            await lane.stop()
        self.lanes.clear()
        await self.book.stop()

    async def _every(self, seconds: float, fn: Callable[[], Any]) -> None:
        while True:
            try:
                await fn()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook dispatcher: %s failed", getattr(fn, "__name__", fn), exc_info=True)
            await asyncio.sleep(seconds)

    async def _poll_head(self) -> None:
        # Projectors in other replicas commit too; this one's own commits wake the lanes at once.
        self.advanced(await self.events.head())

    async def supervise(self) -> None:
        """Start lanes for the active subscriptions this replica can lease, stop the others."""
        now = self.clock.now()
        active = {s.id: s for s in await self.subs.active()}
        held = await self.subs.renew([i for i in self.lanes if i in active], self.owner, now, LEASE_S)
        for sub_id in list(self.lanes):
            if sub_id not in held or self.lanes[sub_id].stopping:
                await self.lanes.pop(sub_id).stop()
        for sub_id, sub in active.items():
            if sub_id in self.lanes:
                self.lanes[sub_id].update(sub)
            elif await self.subs.claim(sub_id, self.owner, now, LEASE_S):
                self._start_lane(sub)

    def _start_lane(self, sub: Subscription) -> None:
        lane = Lane(sub, self.events, self.clock, self.settings, self.head, self.recent, self.book)
        self.lanes[sub.id] = lane
        lane.start()

    async def refresh(self, sub_id: str) -> None:
        """A subscription changed in this replica (created, replayed, deleted): act on it now."""
        doc = await self.subs.get(sub_id)
        lane = self.lanes.get(sub_id)
        if doc is None or doc.get("status") != "active":
            if lane is not None:
                await self.lanes.pop(sub_id).stop()
            return
        sub = Subscription.from_doc(doc)
        if lane is not None:
            lane.update(sub)
        elif await self.subs.claim(sub_id, self.owner, self.clock.now(), LEASE_S):
            self._start_lane(sub)
