"""The chassis against real infrastructure: outbox commits with state, consumers are idempotent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gongnon_chassis.runtime import Runtime, create_runtime
from gongnon_chassis.settings import ServiceSettings
from gongnon_chassis.store import Tx, outbox_envelopes
from gongnon_contracts.events import ItemClosed


async def chassis_runtime(infra: Any, name: str) -> Runtime:
    """A runtime of its own (database named after it) on the test infrastructure."""
    settings = ServiceSettings(
        SERVICE_NAME=name,
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
    )
    rt = create_runtime(settings)
    await rt.store.ensure_indexes()
    return rt


async def test_transaction_writes_state_and_outbox_together(infra: Any) -> None:
    rt = await chassis_runtime(infra, "chassis-test")

    async def ok(tx: Tx) -> None:
        await tx.db.things.insert_one({"_id": "a"}, session=tx.session)
        tx.emit(ItemClosed(item_id="a", reason="test", closed_at=tx.now), agency="seoul")

    await rt.store.transaction(ok)

    async def fails(tx: Tx) -> None:
        await tx.db.things.insert_one({"_id": "b"}, session=tx.session)
        tx.emit(ItemClosed(item_id="b", reason="test", closed_at=tx.now), agency="seoul")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await rt.store.transaction(fails)
    assert await rt.db.things.count_documents({}) == 1
    assert [e["subject"] for e in await outbox_envelopes(rt.db)] == ["a"]
    await rt.mongo.close()
    await rt.redis.aclose()
    await asyncio.sleep(0)


async def test_batch_consumer_applies_each_event_once(infra: Any) -> None:
    from gongnon_chassis.consumer import EventConsumer
    from gongnon_contracts import Envelope

    rt = await chassis_runtime(infra, "chassis-batch-test")
    consumer = EventConsumer("batch-test", rt.store, batch_size=100)

    @consumer.on(ItemClosed)
    async def count(ev: ItemClosed, env: Envelope, tx: Tx) -> None:
        await tx.db.counts.update_one({"_id": ev.item_id}, {"$inc": {"n": 1}}, upsert=True, session=tx.session)

    now = rt.clock.now()
    envs = [
        Envelope.wrap(ItemClosed(item_id=f"i{i % 3}", reason="r", closed_at=now), source="t", agency="seoul", time=now)
        for i in range(9)
    ]
    bodies = [e.model_dump(mode="json") for e in envs]
    await consumer.dispatch_batch([*bodies[:5], bodies[0], bodies[1]])  # duplicates inside one batch
    await consumer.dispatch_batch(bodies)  # redelivery of the first five, plus four new
    await consumer.dispatch_batch([{"not": "an envelope"}])  # skipped, not retried forever
    counts = {d["_id"]: d["n"] for d in await rt.db.counts.find({}).to_list(10)}
    assert counts == {"i0": 3, "i1": 3, "i2": 3}
    await rt.mongo.close()
    await rt.redis.aclose()


async def test_on_many_gets_runs_of_its_type_in_stream_order_once(infra: Any) -> None:
    from gongnon_chassis.consumer import EventConsumer
    from gongnon_contracts import Envelope
    from gongnon_contracts.events.proposals import ProposalWithdrawn

    rt = await chassis_runtime(infra, "chassis-many-test")
    consumer = EventConsumer("many-test", rt.store, batch_size=100)
    calls: list[list[str]] = []

    @consumer.on_many(ItemClosed)
    async def closed(items: list[tuple[ItemClosed, Envelope]], tx: Tx) -> None:
        calls.append([f"closed:{ev.item_id}" for ev, _ in items])

    @consumer.on(ProposalWithdrawn)
    async def reopened(ev: ProposalWithdrawn, env: Envelope, tx: Tx) -> None:
        calls.append([f"reopened:{ev.item_id}"])

    now = rt.clock.now()

    def body(ev: ItemClosed | ProposalWithdrawn) -> dict[str, Any]:
        return Envelope.wrap(ev, source="t", agency="seoul", time=now).model_dump(mode="json")

    c = [body(ItemClosed(item_id=f"c{i}", reason="r", closed_at=now)) for i in range(4)]
    r = body(ProposalWithdrawn(item_id="r0", withdrawn_at=now))
    await consumer.dispatch_batch([c[0], c[1], c[0], r, c[2]])
    assert calls == [["closed:c0", "closed:c1"], ["reopened:r0"], ["closed:c2"]]
    await consumer.dispatch_batch([c[2], c[3]])  # c2 already applied: only c3
    assert calls[-1] == ["closed:c3"]
    await consumer.dispatch(c[3])  # one at a time: the same handler, a list of one; c3 is a duplicate
    await consumer.dispatch(body(ItemClosed(item_id="c9", reason="r", closed_at=now)))
    assert calls[-1] == ["closed:c9"]
    assert len(calls) == 5
    await rt.mongo.close()
    await rt.redis.aclose()


async def test_idempotent_batch_handlers_write_no_inbox_markers(infra: Any) -> None:
    from gongnon_chassis.consumer import EventConsumer
    from gongnon_contracts import Envelope
    from gongnon_contracts.events.proposals import ProposalWithdrawn

    rt = await chassis_runtime(infra, "chassis-unmarked-test")
    consumer = EventConsumer("unmarked-test", rt.store, batch_size=100)

    @consumer.on_many(ItemClosed, idempotent=True)
    async def closed(items: list[tuple[ItemClosed, Envelope]], tx: Tx) -> None:
        for ev, _ in items:  # set-like: applying twice leaves the same state
            await tx.db.closed.update_one(
                {"_id": ev.item_id}, {"$set": {"r": ev.reason}}, upsert=True, session=tx.session
            )

    @consumer.on(ProposalWithdrawn)
    async def withdrawn(ev: ProposalWithdrawn, env: Envelope, tx: Tx) -> None:
        await tx.db.withdrawn.update_one({"_id": ev.item_id}, {"$inc": {"n": 1}}, upsert=True, session=tx.session)

    now = rt.clock.now()

    def body(ev: ItemClosed | ProposalWithdrawn) -> dict[str, Any]:
        return Envelope.wrap(ev, source="t", agency="seoul", time=now).model_dump(mode="json")

    c = [body(ItemClosed(item_id=f"u{i}", reason="r", closed_at=now)) for i in range(3)]
    w = body(ProposalWithdrawn(item_id="w0", withdrawn_at=now))
    await consumer.dispatch_batch([c[0], c[1], c[0], w])
    await consumer.dispatch_batch([c[1], c[2], w])  # a redelivery
    await consumer.dispatch(c[2])
    markers = {d["_id"] async for d in rt.db.inbox.find({"_id": {"$regex": "^unmarked-test:"}})}
    assert markers == {f"unmarked-test:{w['id']}"}  # only the event whose handler is not idempotent
    assert sorted([d["_id"] async for d in rt.db.closed.find({})]) == ["u0", "u1", "u2"]
    assert (await rt.db.withdrawn.find_one({"_id": "w0"}) or {}).get("n") == 1
    await rt.mongo.close()
    await rt.redis.aclose()


async def test_records_sent_together_each_get_their_own_outcome(infra: Any) -> None:
    # A record Kafka refuses (here: larger than a request may be) fails alone; the others of the
    # same send are acknowledged (a vote batch answers each vote by its own record's fate).
    from gongnon_chassis.kafka import Producer, ensure_topics

    topic = "gongnon.test.send-each"  # its own: no service reads these records
    await ensure_topics(infra.kafka_bootstrap, [topic])
    producer = Producer(infra.kafka_bootstrap, "chassis-send-each")
    await producer.start()
    try:
        huge = {"x": "y" * 2_000_000}
        errors = await producer.send_each([(topic, "k1", {"n": 1}, {}), (topic, "k2", huge, {}), (topic, "k3", {}, {})])
        assert errors[0] is None
        assert errors[2] is None
        assert isinstance(errors[1], Exception)
        with pytest.raises(type(errors[1])):
            await producer.send_many([(topic, "k4", huge, {})])
    finally:
        await producer.stop()


async def test_a_handlers_own_duplicate_key_is_a_failure_not_a_redelivery(infra: Any) -> None:
    from pymongo.errors import DuplicateKeyError

    from gongnon_contracts import Envelope

    rt = await chassis_runtime(infra, "chassis-dupkey-test")
    await rt.db.things.insert_one({"_id": "taken"})
    now = rt.clock.now()
    env = Envelope.wrap(ItemClosed(item_id="x", reason="test", closed_at=now), source="t", agency="seoul", time=now)

    async def clashes(tx: Tx) -> None:
        await tx.db.things.insert_one({"_id": "taken"}, session=tx.session)

    with pytest.raises(DuplicateKeyError):
        await rt.store.handle_once("dupkey", env, clashes)
    assert await rt.db.inbox.find_one({"_id": f"dupkey:{env.id}"}) is None  # to be delivered again

    async def applies(tx: Tx) -> None:
        await tx.db.things.insert_one({"_id": "fresh"}, session=tx.session)

    assert await rt.store.handle_once("dupkey", env, applies) is True
    assert await rt.store.handle_once("dupkey", env, applies) is False  # the redelivery
    assert await rt.db.things.count_documents({}) == 2
    await rt.mongo.close()
    await rt.redis.aclose()
