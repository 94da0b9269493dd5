"""A service's MongoDB database with a transactional outbox.

A handler changes documents and emits events inside one transaction (`Store.transaction`):
the events are written to the `outbox` collection in the same commit, and the relay publishes
them afterwards. State and event are therefore saved together or not at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.clock import Clock
from gongnon_chassis.telemetry import current_trace_context
from gongnon_contracts import Envelope, EventData

log = logging.getLogger(__name__)
T = TypeVar("T")

Doc = dict[str, Any]


# Events per outbox row. A transaction's events share rows: the ledger writer's batch names a
# thousand items, and a thousand rows (each inserted, indexed, then marked published) cost the
# database far more than one row of a thousand events, inside the transaction that holds the votes.
ROW_EVENTS = 1000
# And bytes per row (as JSON, close to their BSON size): far below MongoDB's 16 MB per document,
# so a transaction of many large events still commits.
ROW_BYTES = 4 * 1024 * 1024


def outbox_rows(events: Sequence[Envelope]) -> list[Doc]:
    """A transaction's events as outbox rows, in order: the rows' ids share the first event's
    time-ordered id, numbered, so the relay publishes them in the order they were emitted."""
    rows: list[list[Doc]] = []
    size = 0
    for e in events:
        envelope = e.model_dump(mode="json")
        n = len(orjson.dumps(envelope))
        if not rows or len(rows[-1]) == ROW_EVENTS or size + n > ROW_BYTES:
            rows.append([])
            size = 0
        rows[-1].append({"topic": e.topic(), "key": e.subject, "envelope": envelope})
        size += n
    return [{"_id": f"{events[0].id}.{i:04d}", "events": row, "published": False} for i, row in enumerate(rows)]


async def outbox_envelopes(db: AsyncDatabase[Doc], *, key: str | None = None, type: str | None = None) -> list[Doc]:
    """The envelopes in a service's outbox (published or not), in order, optionally only one
    subject's or one type's: for tests and benches that look at what a service emitted."""
    found: list[Doc] = []
    async for row in db.outbox.find({}).sort("_id", ASCENDING):
        found += [
            e["envelope"]
            for e in row["events"]
            if (key is None or e["key"] == key) and (type is None or e["envelope"]["type"] == type)
        ]
    return found


@dataclass
class Tx:
    """One transaction: the session to pass to every write, and the events it emits."""

    session: AsyncClientSession
    db: AsyncDatabase[Doc]
    now: datetime
    source: str
    events: list[Envelope] = field(default_factory=list)
    # Run once the transaction committed (never for an attempt that was retried or aborted): for
    # in-process effects that must see the committed state, e.g. stopping a webhook lane.
    callbacks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def after_commit(self, fn: Callable[[], Awaitable[None]]) -> None:
        self.callbacks.append(fn)

    def emit(self, data: EventData, *, agency: str) -> Envelope:
        env = Envelope.wrap(data, source=self.source, agency=agency, time=self.now, trace=current_trace_context())
        self.events.append(env)
        return env


class Store:
    def __init__(self, client: AsyncMongoClient[Doc], db_name: str, clock: Clock, source: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Doc] = client[db_name]
        self.clock = clock
        self.source = source
        self.outbox_wakeup = asyncio.Event()
        # Called after each commit that emitted events (e.g. to drop a read cache the change
        # made stale); never inside the transaction, so a reader cannot re-cache the old state.
        self.committed: list[Callable[[list[Envelope]], None]] = []

    async def ensure_indexes(self) -> None:
        await self.db.outbox.create_index([("published", ASCENDING), ("_id", ASCENDING)])
        await self.db.inbox.create_index([("at", ASCENDING)])

    async def transaction(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Run fn in a transaction (retried on transient errors); its events join the commit."""
        result: list[T] = []
        emitted: list[Envelope] = []
        callbacks: list[Callable[[], Awaitable[None]]] = []

        async def attempt(session: AsyncClientSession) -> None:
            tx = Tx(session=session, db=self.db, now=self.clock.now(), source=self.source)
            value = await fn(tx)
            rows = outbox_rows(tx.events)
            if rows:
                await self.db.outbox.insert_many(rows, session=session)
            result[:] = [value]
            emitted[:] = tx.events
            callbacks[:] = tx.callbacks

        async with self.client.start_session() as session:
            await session.with_transaction(attempt)
        self.outbox_wakeup.set()
        if emitted:
            for listener in self.committed:
                listener(emitted)
        for callback in callbacks:
            try:
                await callback()
            except Exception:  # the commit stands; the callback's owner must cope (e.g. poll later)
                log.warning("an after-commit callback failed", exc_info=True)
        return result[0]

    async def handle_once(self, consumer: str, envelope: Envelope, fn: Callable[[Tx], Awaitable[None]]) -> bool:
        """Apply fn for this event at most once for this consumer (the inbox marker commits with it)."""

        async def body(tx: Tx) -> bool:
            marker = f"{consumer}:{envelope.id}"
            # Look first: a duplicate-key error inside a transaction aborts it on the server, so
            # catching it here and committing would fail with NoSuchTransaction and retry forever.
            if await tx.db.inbox.find_one({"_id": marker}, {"_id": 1}, session=tx.session):
                return False
            await tx.db.inbox.insert_one({"_id": marker, "type": envelope.type, "at": tx.now}, session=tx.session)
            await fn(tx)
            return True

        try:
            return await self.transaction(body)
        except DuplicateKeyError:
            # A concurrent delivery of the same event won the race (its marker is there now: nothing
            # to do); or the handler hit a duplicate key of its own, which is a failure to retry or
            # look at, not a redelivery to skip.
            if await self.db.inbox.find_one({"_id": f"{consumer}:{envelope.id}"}, {"_id": 1}):
                return False
            raise
