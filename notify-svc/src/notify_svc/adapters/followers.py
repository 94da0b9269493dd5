"""Followers, kept as follow chunks: each batch of follows of an item is one document holding its
followers, numbered `first`..`last` in the order they followed (from the item record's `followers`
counter, taken in the same transaction). And the per-item record both follows and broadcasts
write, so that a follow and a broadcast racing each other always see one another.

Why chunks: a follow comes with every vote, and a document per follow (with its index entries and
its oplog entry) cost the database as much as the vote's own ledger entry. A chunk is one document
per batch, and it is also what the fan-out reads: a page is the chunks starting in a bounded range
of numbers. (An open range, "after this one, sorted, first 500", made SecantusDB, which has no
streaming index walk, read every later follower for each page: 0.58 s per page behind 25,000
followers, 0.014 s bounded.)

An account may appear in several chunks of an item (the author who also supports it, a vote
delivered twice). That changes nothing anyone is told: a broadcast reaches an account if any of
its follows is from before the broadcast, and a notification is stored once per broadcast and
account (the inbox's unique key)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.grouping import group_by
from gongnon_chassis.keys import pair_key
from notify_svc.domain.audience import Follower, FollowWish

Doc = dict[str, Any]

CHUNK_INDEX = [("item_id", ASCENDING), ("first", ASCENDING)]
# {item_id: (agency, how many)} → {item_id: the last of that many new follower numbers}, in the
# transaction, for every item of a batch at once.
TakeNumbers = Callable[[Mapping[str, tuple[str, int]], AsyncClientSession], Awaitable[dict[str, int]]]


def chunk_id(item_id: str, first: int) -> str:
    return pair_key(item_id, f"{first:012d}")


def chunk_doc(item_id: str, agency: str, first: int, wishes: Sequence[FollowWish]) -> Doc:
    return {
        "_id": chunk_id(item_id, first),
        "item_id": item_id,
        "agency": agency,
        "first": first,
        "last": first + len(wishes) - 1,
        "members": [{"a": w.account_id, "s": w.since, "r": sorted(r.value for r in w.reasons)} for w in wishes],
    }


class FollowerRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.followers

    async def ensure_indexes(self) -> None:
        # Earlier versions kept one document per follower, paged by account id.
        async for ix in await self._col.list_indexes():
            if list(ix["key"])[:2] == ["item_id", "account_id"]:
                await self._col.drop_index(ix["name"])
        await self._col.create_index(CHUNK_INDEX)

    async def add(self, wishes: Sequence[FollowWish], session: AsyncClientSession, take_numbers: TakeNumbers) -> None:
        """Record follows (one per (item, account) per call: see merge_wishes): one chunk per item,
        numbered after the item's last follower. A constant number of round trips however many
        items the batch touches: spread votes bring thousands of items per batch, and a
        transaction open for thousands of round trips collided with every broadcast meanwhile."""
        by_item = group_by(wishes, key=lambda w: w.item_id)
        if not by_item:
            return
        lasts = await take_numbers({i: (ws[0].agency, len(ws)) for i, ws in by_item.items()}, session)
        chunks = [chunk_doc(item_id, ws[0].agency, lasts[item_id] - len(ws) + 1, ws) for item_id, ws in by_item.items()]
        if chunks:
            await self._col.insert_many(chunks, ordered=True, session=session)

    async def page(
        self, item_id: str, after: int, upto: int, session: AsyncClientSession
    ) -> tuple[list[Follower], int | None]:
        """The followers in the item's chunks that start after number `after`, up to `upto`, in
        follow order, and the last number those chunks hold (None: no chunk starts there)."""
        docs = (
            await self._col.find({"item_id": item_id, "first": {"$gt": after, "$lte": upto}}, session=session)
            .sort("first", ASCENDING)
            .to_list(None)
        )
        followers = [Follower(m["a"], m["s"]) for d in docs for m in d["members"]]
        return followers, (docs[-1]["last"] if docs else None)

    # Upgrading from one document per follower (see move_legacy_followers) -----------------

    async def legacy(self, limit: int) -> list[Doc]:
        return await self._col.find({"account_id": {"$exists": True}}).limit(limit).to_list(limit)

    async def last_number(self, item_id: str, session: AsyncClientSession) -> int:
        doc = await self._col.find_one(
            {"item_id": item_id, "last": {"$gt": 0}}, {"last": 1}, sort=[("last", DESCENDING)], session=session
        )
        return int(doc["last"]) if doc else 0

    async def replace_legacy(self, ids: Sequence[str], chunk: Doc, session: AsyncClientSession) -> None:
        await self._col.delete_many({"_id": {"$in": list(ids)}}, session=session)
        await self._col.insert_one(chunk, session=session)


class ItemRepository:
    """Per-item facts notify-svc keeps: the title (for message text) and counters."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.items

    async def remember_title(self, item_id: str, title: str, agency: str, session: AsyncClientSession) -> None:
        await self._col.update_one(
            {"_id": item_id}, {"$set": {"title": title, "agency": agency}}, upsert=True, session=session
        )

    async def take_numbers(self, counts: Mapping[str, tuple[str, int]], session: AsyncClientSession) -> dict[str, int]:
        """Count new followers of each item ({item: (agency, how many)}); returns each item's last
        number. Also the write that makes a racing follow and broadcast conflict (see touch).
        One bulk write and one read: the transaction reads its own increments back."""
        ids = list(counts)
        await self._col.bulk_write(
            [
                UpdateOne({"_id": i}, {"$inc": {"followers": n}, "$setOnInsert": {"agency": a}}, upsert=True)
                for i, (a, n) in counts.items()
            ],
            ordered=False,
            session=session,
        )
        docs = await find_by_ids(self._col, ids, {"followers": 1}, session=session)
        return {d["_id"]: int(d["followers"]) for d in docs}

    async def follower_count(self, item_id: str, session: AsyncClientSession) -> int:
        """The last follower number given on the item (every follower has one up to it)."""
        doc = await self._col.find_one({"_id": item_id}, {"followers": 1}, session=session)
        return int((doc or {}).get("followers", 0))

    async def set_follower_count(self, item_id: str, last: int, session: AsyncClientSession) -> None:
        await self._col.update_one({"_id": item_id}, {"$set": {"followers": last}}, upsert=True, session=session)

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
