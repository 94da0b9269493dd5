"""The in-app inbox: a channel that stores notifications, and the reads behind GET /inbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_contracts import new_id
from notify_svc.domain.audience import Notification

Doc = dict[str, Any]


class Inbox:
    name = "inapp"

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.notifications

    async def ensure_indexes(self) -> None:
        # One notification per (happening, account), whichever path delivers it first.
        await self._col.create_index([("broadcast_id", ASCENDING), ("account_id", ASCENDING)], unique=True)
        await self._col.create_index([("account_id", ASCENDING), ("at", DESCENDING)])
        await self._col.create_index([("account_id", ASCENDING), ("read", ASCENDING)])

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        if not notes:
            return
        ops = [
            UpdateOne(
                {"broadcast_id": n.broadcast_id, "account_id": n.account_id},
                {
                    "$setOnInsert": {
                        "_id": new_id("ntf_"),
                        "event_id": n.event_id,
                        "item_id": n.item_id,
                        "agency": n.agency,
                        "kind": n.kind,
                        "title": n.title,
                        "body": n.body,
                        "at": n.at,
                        "read": False,
                        "read_at": None,
                    }
                },
                upsert=True,
            )
            for n in notes
        ]
        await self._col.bulk_write(ops, ordered=False, session=session)

    async def latest(self, account_id: str, limit: int) -> list[Doc]:
        cursor = self._col.find({"account_id": account_id}).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return await cursor.limit(limit).to_list(limit)

    async def unread(self, account_id: str) -> int:
        return await self._col.count_documents({"account_id": account_id, "read": False})

    async def mark_read(self, account_id: str, notification_id: str, now: datetime) -> bool:
        """False when there is no such notification in this account's inbox."""
        doc = await self._col.find_one({"_id": notification_id}, {"account_id": 1, "read": 1})
        if doc is None or doc["account_id"] != account_id:
            return False
        if not doc["read"]:
            await self._col.update_one({"_id": notification_id}, {"$set": {"read": True, "read_at": now}})
        return True
