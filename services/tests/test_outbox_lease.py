"""One outbox publisher per service at a time (lease.py, outbox.py), against real SecantusDB and
real Kafka: two relays on one database publish each row once; when the holder stops renewing
(killed), the other takes over once the lease has expired on the injectable clock; a holder that
lost the lease while a batch was on its way leaves the rows to the new holder."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from gongnon_chassis.clock import Clock, FixedClock
from gongnon_chassis.kafka import Producer, Record, ensure_topics
from gongnon_chassis.lease import Lease
from gongnon_chassis.outbox import LEASE, OutboxRelay
from gongnon_chassis.store import ROW_EVENTS, Store, Tx, outbox_rows
from gongnon_contracts import Envelope
from gongnon_contracts.events import ItemClosed
from tests.kafka_probe import read_topic

TOPIC = "gongnon.test.outbox-lease"
TTL_S = 4.0
RENEW_S = 0.1  # the renewer's pace in these tests (the relay's own is seconds)


@pytest.fixture
async def mongo(infra: Any) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    await ensure_topics(infra.kafka_bootstrap)
    yield client
    await client.close()


class Replica:
    """One replica's relay: its own Store object and Kafka producer on the shared database."""

    def __init__(self, infra: Any, mongo: Any, db: str, clock: Clock, producer: Producer | None = None) -> None:
        self.store = Store(mongo, db, clock, "lease-test")
        self.producer = producer or Producer(infra.kafka_bootstrap, f"lease-test-{uuid.uuid4().hex[:6]}")
        lease = Lease(self.store.db, LEASE, clock, ttl_s=TTL_S, margin_s=1.0)
        self.relay = OutboxRelay(self.store, self.producer, poll_s=0.05, lease=lease, renew_every_s=RENEW_S)

    async def start(self) -> None:
        await self.producer.start()
        await self.relay.start()

    async def kill(self) -> None:
        """What SIGKILL leaves: the tasks gone, the lease neither renewed nor released."""
        for task in self.relay._tasks:
            task.cancel()
        await asyncio.gather(*self.relay._tasks, return_exceptions=True)
        await self.producer.stop()

    async def stop(self) -> None:
        await self.relay.stop()
        await self.producer.stop()


async def emit(store: Store, tag: str, n: int) -> list[str]:
    """n events committed to the outbox as Store.transaction writes them, but on a topic of their
    own: the services of a test run consume the real ones. Their ids."""

    async def body(tx: Tx) -> list[str]:
        envs = [
            Envelope.wrap(
                ItemClosed(item_id=f"{tag}-{i}", reason="lease test", closed_at=tx.now),
                source=tx.source,
                agency="seoul",
                time=tx.now,
            )
            for i in range(n)
        ]
        # One row per event, on the test's own topic: the relay takes them a round at a time.
        rows = [{**row, "events": [{**row["events"][0], "topic": TOPIC}]} for e in envs for row in outbox_rows([e])]
        await tx.db.outbox.insert_many(rows, session=tx.session)
        return [e.id for e in envs]

    return await store.transaction(body)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.1)


async def copies(bootstrap: str, ids: Sequence[str]) -> Counter[str]:
    wanted = set(ids)
    return Counter(e["id"] for e in await read_topic(bootstrap, TOPIC) if e.get("id") in wanted)


def unpublished(store: Store) -> Callable[[], Awaitable[bool]]:
    async def none_left() -> bool:
        return await store.db.outbox.count_documents({"published": False}) == 0

    return none_left


async def fresh(mongo: Any, name: str) -> str:
    db = f"lease_{name}_{uuid.uuid4().hex[:6]}"
    await mongo.drop_database(db)
    return db


async def test_two_relays_on_one_database_publish_each_row_once(infra: Any, mongo: Any) -> None:
    clock = FixedClock(datetime.now(UTC))
    db = await fresh(mongo, "two")
    a, b = Replica(infra, mongo, db, clock), Replica(infra, mongo, db, clock)
    await a.store.ensure_indexes()
    ids = await emit(a.store, f"two-{uuid.uuid4().hex[:6]}", 1200)  # several pages of the relay's
    try:
        await asyncio.gather(a.start(), b.start())
        await eventually(unpublished(a.store), "every row published")
        holders = [r.relay.lease.held() for r in (a, b)]
        assert sorted(holders) == [False, True], holders
        more = await emit(b.store, f"two-more-{uuid.uuid4().hex[:6]}", 50)  # committed by the other one
        await eventually(unpublished(a.store), "the later rows published")
    finally:
        await asyncio.gather(a.stop(), b.stop())
    seen = await copies(infra.kafka_bootstrap, [*ids, *more])
    assert len(seen) == len(ids) + len(more)
    assert set(seen.values()) == {1}, [i for i, n in seen.items() if n > 1][:5]


async def test_when_the_holder_is_killed_the_other_takes_over_after_expiry(infra: Any, mongo: Any) -> None:
    clock = FixedClock(datetime.now(UTC))
    db = await fresh(mongo, "takeover")
    a = Replica(infra, mongo, db, clock)
    await a.store.ensure_indexes()
    await a.start()  # alone: it holds the lease
    b = Replica(infra, mongo, db, clock)
    try:
        await b.start()
        assert a.relay.lease.held()
        assert not b.relay.lease.held()
        first = await emit(a.store, f"before-{uuid.uuid4().hex[:6]}", 20)
        await eventually(unpublished(a.store), "the holder publishes")
        await a.kill()
        later = await emit(b.store, f"after-{uuid.uuid4().hex[:6]}", 20)
        # The lease has not expired: the other replica publishes nothing, however often it tries.
        assert [await b.relay.drain_once() for _ in range(3)] == [0, 0, 0]
        assert await b.store.db.outbox.count_documents({"published": False}) == 20
        clock.advance(timedelta(seconds=TTL_S + 0.5))  # the killed holder's lease runs out
        await eventually(unpublished(b.store), "the other replica takes over and publishes")
        assert b.relay.lease.held()
        # The old holder, were it only paused, would find it lost: it publishes nothing more.
        zombie = Replica(infra, mongo, db, clock)
        zombie.relay.lease = a.relay.lease
        await zombie.producer.start()
        await emit(b.store, f"zombie-{uuid.uuid4().hex[:6]}", 1)
        assert await zombie.relay.drain_once() == 0
        await zombie.producer.stop()
    finally:
        await b.stop()
    seen = await copies(infra.kafka_bootstrap, [*first, *later])
    assert len(seen) == 40
    assert set(seen.values()) == {1}


class HandsOverWhileSending(Producer):
    """The real producer; once its batch is acknowledged, the lease moves (the holder was slow)."""

    def __init__(self, bootstrap: str, hand_over: Callable[[], Awaitable[None]]) -> None:
        super().__init__(bootstrap, f"lease-test-slow-{uuid.uuid4().hex[:6]}")
        self.hand_over = hand_over
        self.sent = 0

    async def send_many(self, records: Sequence[Record]) -> None:
        await super().send_many(records)
        self.sent += len(records)
        await self.hand_over()


async def test_a_holder_that_lost_the_lease_mid_batch_still_marks_what_it_sent(infra: Any, mongo: Any) -> None:
    clock = FixedClock(datetime.now(UTC))
    db = await fresh(mongo, "midbatch")
    b: Replica | None = None

    async def hand_over() -> None:
        nonlocal b
        clock.advance(timedelta(seconds=TTL_S + 0.5))
        b = Replica(infra, mongo, db, clock)
        assert await b.relay.lease.acquire()  # the new holder, before the old one marks

    a = Replica(infra, mongo, db, clock, producer=HandsOverWhileSending(infra.kafka_bootstrap, hand_over))
    await a.store.ensure_indexes()
    await a.producer.start()
    assert await a.relay.lease.acquire()
    ids = await emit(a.store, f"mid-{uuid.uuid4().hex[:6]}", 10)
    assert await a.relay.drain_once() == 10  # sent, and marked although the lease moved meanwhile
    assert isinstance(a.producer, HandsOverWhileSending)
    assert a.producer.sent == 10
    assert await a.store.db.outbox.count_documents({"published": False}) == 0
    assert not a.relay.lease.held()  # by its own clock: it starts no other batch
    assert await a.relay.drain_once() == 0
    await a.producer.stop()
    assert b is not None
    await b.producer.start()
    try:
        assert await b.relay.drain_once() == 0  # nothing left for the new holder to send again
    finally:
        await b.producer.stop()
    seen = await copies(infra.kafka_bootstrap, ids)
    assert set(seen.values()) == {1}


async def test_a_transaction_of_thousands_of_events_is_a_few_rows_published_in_order(infra: Any, mongo: Any) -> None:
    """The ledger writer's batch emits a tally per item: the outbox keeps a transaction's events
    in rows of ROW_EVENTS (not a row each), and the relay sends every event once, in the order
    the transaction emitted them."""
    clock = FixedClock(datetime.now(UTC))
    db = await fresh(mongo, "rows")
    a = Replica(infra, mongo, db, clock)
    await a.store.ensure_indexes()
    tag = f"rows-{uuid.uuid4().hex[:6]}"
    n = ROW_EVENTS * 2 + 500

    async def body(tx: Tx) -> list[str]:
        envs = [
            # One item: one partition, where Kafka keeps the order the relay sent.
            Envelope.wrap(ItemClosed(item_id=tag, reason=f"rows test {i}", closed_at=tx.now), **_on(tx))
            for i in range(n)
        ]
        rows = outbox_rows(envs)
        for row in rows:
            row["events"] = [{**e, "topic": TOPIC} for e in row["events"]]
        await tx.db.outbox.insert_many(rows, session=tx.session)
        return [e.id for e in envs]

    ids = await a.store.transaction(body)
    assert await a.store.db.outbox.count_documents({}) == 3
    try:
        await a.start()
        await eventually(unpublished(a.store), "every row published")
    finally:
        await a.stop()
    sent = [e["id"] for e in await read_topic(infra.kafka_bootstrap, TOPIC) if e.get("id") in set(ids)]
    assert sent == ids  # each once, in the order emitted


def _on(tx: Tx) -> dict[str, Any]:
    return {"source": tx.source, "agency": "seoul", "time": tx.now}
