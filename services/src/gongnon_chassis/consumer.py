"""Idempotent event consumers.

A service declares handlers per event type; each delivery runs in one transaction together with
an inbox marker, so an event seen twice changes nothing the second time. Offsets are committed
only after the handler's transaction commits (AckPolicy.NACK_ON_ERROR: a failure seeks back and
the event is delivered again)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from pydantic import ValidationError

from gongnon_chassis.kafka import BATCH_FETCH
from gongnon_chassis.metrics import EVENTS_CONSUMED
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import Envelope, EventData

log = logging.getLogger(__name__)

# Records of a batch validated between two turns of the event loop.
PARSE_SLICE = 50
# A batch that failed comes again after this pause: do not spin on a database that is down.
RETRY_PAUSE_S = 1.0

E = TypeVar("E", bound=EventData)
T = TypeVar("T")
Handler = Callable[[Any, Envelope, Tx], Awaitable[None]]
# A handler of many events at once: [(event, envelope), …] in stream order.
BatchHandler = Callable[[list[tuple[Any, Envelope]], Tx], Awaitable[None]]


async def in_turns(items: Sequence[T], size: int = PARSE_SLICE) -> AsyncIterator[Sequence[T]]:
    """`items` in slices, letting the event loop run between two: working through thousands of
    records at once would hold every request the process is answering for tens of milliseconds."""
    for start in range(0, len(items), size):
        if start:
            await asyncio.sleep(0)
        yield items[start : start + size]


class EventConsumer:
    """batch_size > 1 takes up to that many records per poll and applies them in ONE transaction
    (one inbox look-up, one commit, one offset commit): for heavy streams such as votes. There a
    handler registered with `on_many` gets each run of consecutive events of its types in one
    call, so it can read and write them in bulk (one query for a batch of votes, not one per vote).
    Records are validated in slices (PARSE_SLICE) with the event loop running in between; a batch
    that fails is logged and comes again after RETRY_PAUSE_S."""

    def __init__(
        self,
        name: str,
        store: Store,
        batch_size: int = 1,
        only_from: str | None = None,
        serial: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    ) -> None:
        self.name = name  # also the Kafka consumer group
        self.store = store
        self.batch_size = batch_size
        # Held around each batch's transaction, across the service's instances (a lock): for a
        # writer whose big transactions stall the database when two instances run them at once.
        self.serial = serial
        # Only events this source emitted (a service reading its own private topic, which tests
        # and benches may share with other instances on one broker); others are skipped.
        self.only_from = only_from
        self._handlers: dict[str, tuple[type[EventData], Handler]] = {}
        self._many: dict[str, BatchHandler] = {}
        self._unmarked: set[str] = set()  # on_many(idempotent=True) types: no inbox marker

    def on(self, event_cls: type[E]) -> Callable[[Callable[[E, Envelope, Tx], Awaitable[None]]], Handler]:
        def register(fn: Callable[[E, Envelope, Tx], Awaitable[None]]) -> Handler:
            self._handlers[event_cls.TYPE] = (event_cls, fn)
            return fn

        return register

    def on_many(
        self, event_cls: type[E], *more: type[E], idempotent: bool = False
    ) -> Callable[[Callable[[list[tuple[E, Envelope]], Tx], Awaitable[None]]], BatchHandler]:
        """One handler for a run of consecutive events of these types (several types: one run
        across them, e.g. single votes and batches of votes in one ledger write).
        idempotent=True: applying an event again changes nothing anyone observes (e.g. "follow":
        a follower recorded twice is still told everything once), so its events need no inbox
        marker; at one event per vote, the marker would be as much database work as the handler."""

        def register(fn: Callable[[list[tuple[E, Envelope]], Tx], Awaitable[None]]) -> BatchHandler:
            many: BatchHandler = fn

            async def one(data: Any, env: Envelope, tx: Tx) -> None:
                await many([(data, env)], tx)

            for cls in (event_cls, *more):
                self._handlers[cls.TYPE] = (cls, one)
                self._many[cls.TYPE] = many
                if idempotent:
                    self._unmarked.add(cls.TYPE)
            return many

        return register

    def topics(self) -> list[str]:
        return sorted({cls.TOPIC for cls, _ in self._handlers.values()})

    def _parse(self, body: Any) -> tuple[Envelope, EventData, Handler] | None:
        """The typed event and its handler, or None for other types and malformed messages
        (logged and skipped: retrying a message that can never parse would block the partition)."""
        if isinstance(body, dict) and isinstance(body.get("type"), str) and body["type"] not in self._handlers:
            return None  # another consumer's event: not worth validating (a topic can be mostly those)
        try:
            env = Envelope.model_validate(body)
        except ValidationError:
            log.error("skipping a message that is not an envelope on %s", self.name)
            EVENTS_CONSUMED.labels(self.name, "?", "invalid").inc()
            return None
        entry = self._handlers.get(env.type)
        if entry is None or (self.only_from is not None and env.source != self.only_from):
            return None
        cls, fn = entry
        try:
            data = cls.model_validate(env.data)
        except ValidationError:
            log.error("skipping %s %s: data does not match its contract", env.type, env.id)
            EVENTS_CONSUMED.labels(self.name, env.type, "invalid").inc()
            return None
        return env, data, fn

    async def dispatch(self, body: dict[str, Any]) -> None:
        parsed = self._parse(body)
        if parsed is None:
            return
        env, data, fn = parsed
        if env.type in self._unmarked:
            await self.store.transaction(lambda tx: fn(data, env, tx))
            applied = True
        else:
            applied = await self.store.handle_once(self.name, env, lambda tx: fn(data, env, tx))
        EVENTS_CONSUMED.labels(self.name, env.type, "applied" if applied else "duplicate").inc()

    async def dispatch_batch(self, bodies: list[dict[str, Any]]) -> None:
        parsed: list[tuple[Envelope, EventData, Handler]] = []
        async for part in in_turns(bodies):
            parsed += [p for p in map(self._parse, part) if p is not None]
        if not parsed:
            return

        async def apply(tx: Tx) -> set[str]:
            markers = {f"{self.name}:{env.id}" for env, _, _ in parsed if env.type not in self._unmarked}
            seen = (
                {
                    d["_id"]
                    async for d in tx.db.inbox.find({"_id": {"$in": sorted(markers)}}, {"_id": 1}, session=tx.session)
                }
                if markers
                else set()
            )
            done: set[str] = set()
            run: list[tuple[Any, Envelope]] = []  # consecutive fresh events of one on_many handler

            async def flush_run() -> None:
                if run:
                    await self._many[run[0][1].type](list(run), tx)
                    run.clear()

            for env, data, fn in parsed:
                marker = f"{self.name}:{env.id}"
                if marker in seen or marker in done:
                    continue
                many = self._many.get(env.type)
                if many is not None:
                    if run and self._many[run[0][1].type] is not many:
                        await flush_run()
                    run.append((data, env))
                else:
                    await flush_run()  # keep stream order between a run and the event after it
                    await fn(data, env, tx)
                done.add(marker)
            await flush_run()
            if done & markers:
                await tx.db.inbox.insert_many(
                    [{"_id": m, "at": tx.now} for m in sorted(done & markers)], ordered=False, session=tx.session
                )
            return done

        try:
            if self.serial is None:
                done = await self.store.transaction(apply)
            else:
                async with self.serial():
                    done = await self.store.transaction(apply)
        except Exception:
            log.warning("%s: a batch of %d event(s) failed; it comes again", self.name, len(parsed), exc_info=True)
            await asyncio.sleep(RETRY_PAUSE_S)
            raise
        # One increment per (type, outcome), not per record: a batch holds thousands.
        outcomes = Counter((env.type, f"{self.name}:{env.id}" in done) for env, _, _ in parsed)
        for (kind, applied), n in outcomes.items():
            EVENTS_CONSUMED.labels(self.name, kind, "applied" if applied else "duplicate").inc(n)

    def attach(self, broker: KafkaBroker) -> None:
        if not self._handlers:
            return

        if self.batch_size > 1:

            async def handle_batch(bodies: list[dict[str, Any]]) -> None:
                await self.dispatch_batch(bodies)

            broker.subscriber(
                *self.topics(),
                group_id=self.name,
                auto_offset_reset="earliest",
                ack_policy=AckPolicy.NACK_ON_ERROR,
                batch=True,
                max_records=self.batch_size,
                **BATCH_FETCH,
            )(handle_batch)
            return

        async def handle(body: dict[str, Any]) -> None:
            await self.dispatch(body)

        broker.subscriber(
            *self.topics(),
            group_id=self.name,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )(handle)
