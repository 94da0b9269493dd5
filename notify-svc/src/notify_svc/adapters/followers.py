"""Followers (unique per item and account because _id is that pair: the pair index beside it, for
paging an item's followers, need not be unique, so a follow — one per vote — checks no second key)
and the per-item record both follows and broadcasts write, so that a follow and a broadcast racing
each other always see one another."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.keys import pair_key
from notify_svc.domain.audience import Follower, FollowWish

Doc = dict[str, Any]

PAIR_INDEX = [("item_id", ASCENDING), ("account_id", ASCENDING)]


class FollowerRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.followers

    async def ensure_indexes(self) -> None:
        # Earlier versions had random ids, and this index was unique; same keys, so replace it.
        async for ix in await self._col.list_indexes():
            if list(ix["key"].items()) == PAIR_INDEX and ix.get("unique"):
                await self._col.drop_index(ix["name"])
        await self._col.create_index(PAIR_INDEX)

    async def follow_many(
        self, wishes: Sequence[FollowWish], session: AsyncClientSession
    ) -> list[tuple[FollowWish, bool, bool]]:
        """Add or widen follows (one per (item, account): see merge_wishes), in bulk: one look-up
        per item and one insert for all new followers. Returns (wish, new, earlier) for each:
        whether the follower is new, and whether their follow now starts earlier than before
        (both mean: check missed news)."""
        by_item: dict[str, list[FollowWish]] = {}
        for w in wishes:
            by_item.setdefault(w.item_id, []).append(w)
        out: list[tuple[FollowWish, bool, bool]] = []
        fresh: list[Doc] = []
        widen: list[UpdateOne] = []
        for item_id, item_wishes in by_item.items():
            keys = [pair_key(item_id, w.account_id) for w in item_wishes]
            known = {
                d["account_id"]: d
                async for d in self._col.find(
                    {"_id": {"$in": keys}},
                    {"account_id": 1, "since": 1, "reasons": 1},
                    session=session,
                )
            }
            for w in item_wishes:
                reasons = sorted(r.value for r in w.reasons)
                had = known.get(w.account_id)
                if had is None:
                    fresh.append(
                        {
                            "_id": pair_key(item_id, w.account_id),
                            "item_id": item_id,
                            "account_id": w.account_id,
                            "since": w.since,
                            "reasons": reasons,
                            "agency": w.agency,
                        }
                    )
                    out.append((w, True, True))
                    continue
                earlier = w.since < had["since"]
                if earlier or not set(reasons) <= set(had.get("reasons", [])):
                    widen.append(
                        UpdateOne(
                            {"_id": had["_id"]},
                            {"$min": {"since": w.since}, "$addToSet": {"reasons": {"$each": reasons}}},
                        )
                    )
                out.append((w, False, earlier))
        if fresh:
            # A concurrent insert of the same follower is a write conflict: the transaction retries
            # and then finds it.
            await self._col.insert_many(fresh, ordered=True, session=session)
        if widen:
            await self._col.bulk_write(widen, ordered=False, session=session)
        return out

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

    async def touch(self, item_id: str, agency: str, field: str, session: AsyncClientSession, by: int = 1) -> None:
        # Writing the one item document from both sides turns a follow/broadcast race into a
        # write conflict, and the transaction retried second then sees the other's commit.
        await self._col.update_one(
            {"_id": item_id},
            {"$inc": {field: by}, "$setOnInsert": {"agency": agency}},
            upsert=True,
            session=session,
        )
