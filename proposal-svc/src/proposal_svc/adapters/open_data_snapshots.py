"""Daily open-data snapshots in MongoDB: rows in chunks, then a manifest that makes them visible.

Each take writes its chunks under its own take id and inserts the day's manifest last; the
manifest's _id is the day, so of two instances taking the same day exactly one wins and the
other removes its own chunks. A take that crashed half-way left chunks and no manifest: the next
take writes afresh and the leftovers are removed with the day's retention."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.store import Store

Doc = dict[str, Any]


class SnapshotStore:
    def __init__(self, store: Store) -> None:
        self.db = store.db

    async def ensure_indexes(self) -> None:
        await self.db.open_data_snapshot_chunks.create_index(
            [("day", ASCENDING), ("take", ASCENDING), ("n", ASCENDING)]
        )

    @staticmethod
    def new_take() -> str:
        return os.urandom(6).hex()

    async def manifest(self, day: date) -> Doc | None:
        found: Doc | None = await self.db.open_data_snapshots.find_one({"_id": day.isoformat()})
        return found

    async def manifests(self) -> list[Doc]:
        docs: list[Doc] = await self.db.open_data_snapshots.find({}).sort("_id", -1).to_list(None)
        return docs

    async def write_chunk(self, day: date, take: str, n: int, rows: list[Doc]) -> None:
        key = f"{day.isoformat()}:{take}:{n:06d}"
        await self.db.open_data_snapshot_chunks.replace_one(
            {"_id": key}, {"_id": key, "day": day.isoformat(), "take": take, "n": n, "rows": rows}, upsert=True
        )

    async def publish(
        self, day: date, take: str, rows: int, chunks: int, taken_at: datetime, by_agency: dict[str, Any]
    ) -> bool:
        """Make the take the day's snapshot; False when another take won the day."""
        doc = {
            "_id": day.isoformat(),
            "take": take,
            "rows": rows,
            "chunks": chunks,
            "taken_at": taken_at,
            "by_agency": by_agency,
        }
        try:
            await self.db.open_data_snapshots.insert_one(doc)
        except DuplicateKeyError:
            await self.db.open_data_snapshot_chunks.delete_many({"day": day.isoformat(), "take": take})
            return False
        return True

    async def chunk(self, day: date, take: str, n: int) -> list[Doc]:
        doc = await self.db.open_data_snapshot_chunks.find_one({"day": day.isoformat(), "take": take, "n": n})
        return list(doc["rows"]) if doc else []

    async def drop(self, day: date) -> None:
        await self.db.open_data_snapshots.delete_one({"_id": day.isoformat()})
        await self.db.open_data_snapshot_chunks.delete_many({"day": day.isoformat()})
