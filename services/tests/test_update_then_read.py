"""update_then_read: findAndModify's answer (the document after, or None when the guard matched
nothing) from an update and a read by _id in one transaction, against real SecantusDB."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient

from gongnon_chassis.collections import update_then_read


async def test_the_document_after_or_none_when_the_guard_matched_nothing(infra: Any) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    col = client[f"utr_{uuid.uuid4().hex[:6]}"]["items"]
    try:
        await col.insert_one({"_id": "a", "seq": 1, "fired": []})
        async with client.start_session() as s, await s.start_transaction():
            after = await update_then_read(
                col, {"_id": "a", "fired": {"$ne": "r1"}}, {"$push": {"fired": "r1"}, "$inc": {"seq": 2}}, session=s
            )
            assert after == {"_id": "a", "seq": 3, "fired": ["r1"]}
            # The same guard again: what it guards is recorded, nothing is written.
            again = await update_then_read(
                col, {"_id": "a", "fired": {"$ne": "r1"}}, {"$inc": {"seq": 2}}, session=s, projection={"seq": 1}
            )
            assert again is None
            made = await update_then_read(col, {"_id": "b"}, {"$inc": {"n": 1}}, upsert=True, session=s)
            assert made == {"_id": "b", "n": 1}
            assert await update_then_read(col, {"_id": "c"}, {"$inc": {"n": 1}}, session=s) is None
        assert await col.find_one({"_id": "a"}, {"seq": 1}) == {"_id": "a", "seq": 3}
        assert await col.count_documents({}) == 2
    finally:
        await client.drop_database(col.database.name)
        await client.close()
