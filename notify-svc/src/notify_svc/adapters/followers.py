"""Followers (unique per item and account) and the per-item record both follows and broadcasts
write, so that a follow and a broadcast racing each other always see one another."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_contracts import new_id
from notify_svc.domain.audience import Follower, FollowReason

Doc = dict[str, Any]


class FollowerRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.followers

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("item_id", ASCENDING), ("account_id", ASCENDING)], unique=True)

    async def follow(
        self,
        item_id: str,
        account_id: str,
        since: datetime,
        reason: FollowReason,
        agency: str,
        session: AsyncClientSession,
    ) -> tuple[bool, bool]:
        """Add or widen a follow. Returns (new, earlier): whether the follower is new, and
        whether their follow now starts earlier than before (both mean: check missed news)."""
        before = await self._col.find_one_and_update(
            {"item_id": item_id, "account_id": account_id},
            {
                "$min": {"since": since},
                "$addToSet": {"reasons": reason.value},
                "$setOnInsert": {"_id": new_id("fol_"), "agency": agency},
            },
            upsert=True,
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
        if before is None:
            return True, True
        return False, since < before["since"]

    async def page(self, item_id: str, after: str, limit: int, session: AsyncClientSession) -> list[Follower]:
        docs = (
            await self._col.find({"item_id": item_id, "account_id": {"$gt": after}}, session=session)
            .sort("account_id", ASCENDING)
            .limit(limit)
            .to_list(limit)
        )
        return [Follower(d["account_id"], d["since"]) for d in docs]


class ItemRepository:
    """Per-item facts notify-svc keeps: the title (for message text) and counters."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.items

    async def remember_title(self, item_id: str, title: str, agency: str, session: AsyncClientSession) -> None:
        await self._col.update_one(
            {"_id": item_id}, {"$set": {"title": title, "agency": agency}}, upsert=True, session=session
        )

    async def title(self, item_id: str, session: AsyncClientSession) -> str | None:
        doc = await self._col.find_one({"_id": item_id}, {"title": 1}, session=session)
        return doc.get("title") if doc else None

    async def touch(self, item_id: str, agency: str, field: str, session: AsyncClientSession) -> None:
        # Writing the one item document from both sides turns a follow/broadcast race into a
        # write conflict, and the transaction retried second then sees the other's commit.
        await self._col.update_one(
            {"_id": item_id},
            {"$inc": {field: 1}, "$setOnInsert": {"agency": agency}},
            upsert=True,
            session=session,
        )
