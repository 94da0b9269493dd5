"""The chassis against real infrastructure: outbox commits with state, consumers are idempotent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gongnon_chassis.runtime import create_runtime
from gongnon_chassis.settings import ServiceSettings
from gongnon_chassis.store import Tx
from gongnon_contracts.events import ItemClosed


async def test_transaction_writes_state_and_outbox_together(infra: Any) -> None:
    settings = ServiceSettings(
        SERVICE_NAME="chassis-test",
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
    )
    rt = create_runtime(settings)
    await rt.store.ensure_indexes()

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
    assert [d["key"] for d in await rt.db.outbox.find({}).to_list(10)] == ["a"]
    await rt.mongo.close()
    await rt.redis.aclose()
    await asyncio.sleep(0)
