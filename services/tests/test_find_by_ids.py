"""find_by_ids reads any number of ids in pieces of IN_PIECE, against real SecantusDB."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient

from gongnon_chassis.collections import IN_PIECE, find_by_ids


async def test_every_wanted_document_once_however_many_ids(infra: Any) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    col = client[f"ids_{uuid.uuid4().hex[:6]}"]["things"]
    try:
        await col.insert_many([{"_id": f"t{i:04d}", "n": i} for i in range(IN_PIECE * 3 + 7)])
        wanted = [f"t{i:04d}" for i in range(0, IN_PIECE * 3 + 7, 1)] + ["missing", "t0001"]  # a repeat
        found = await find_by_ids(col, wanted, {"n": 1})
        assert sorted(d["_id"] for d in found) == sorted(set(wanted) - {"missing"})
        assert all(set(d) == {"_id", "n"} for d in found)
        assert await find_by_ids(col, []) == []
        assert sorted(d["n"] for d in await find_by_ids(col, [7, 9], field="n")) == [7, 9]
    finally:
        await client.drop_database(col.database.name)
        await client.close()
