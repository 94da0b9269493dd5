"""The public stream in notify-svc's database: the events (`public_events`, numbered by `seq`),
each item's public state (`public_items`) and the seq counter (`public_seq`).

Every read of events is a bounded seq range (SecantusDB decodes every later document for an
open-ended one), served by the `seq` index or, for one agency, by `(agency, seq)`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pymongo import ASCENDING, ReplaceOne, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.collections import find_by_ids
from notify_svc.domain.public_events import ItemState

Doc = dict[str, Any]
COUNTER = "public"


class PublicEventStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._events = db.public_events
        self._items = db.public_items
        self._counter = db.public_seq

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("seq", ASCENDING)], unique=True)
        await self._events.create_index([("agency", ASCENDING), ("seq", ASCENDING)])

    # -- projection (inside the projector's transaction) --------------------------------------

    async def load_states(self, item_ids: Collection[str], session: AsyncClientSession) -> dict[str, ItemState]:
        docs = await find_by_ids(self._items, item_ids, session=session)
        return {d["_id"]: ItemState.from_doc(d) for d in docs}

    async def save_states(self, states: Sequence[ItemState], session: AsyncClientSession) -> None:
        if states:
            ops = [ReplaceOne({"_id": s.item_id}, s.to_doc(), upsert=True) for s in states]
            await self._items.bulk_write(ops, ordered=False, session=session)

    async def known(self, ids: Collection[str], session: AsyncClientSession) -> set[str]:
        """Which of these public ids are recorded already (a redelivered internal event)."""
        if not ids:
            return set()
        return {d["_id"] for d in await find_by_ids(self._events, ids, {"_id": 1}, session=session)}

    async def take_seqs(self, count: int, session: AsyncClientSession) -> int:
        """Reserve `count` consecutive numbers; returns the first. One counter write per batch: the
        write also orders concurrent projector transactions (the second waits for the first to
        commit), so events become visible in seq order and a reader never sees a gap fill later."""
        doc = await self._counter.find_one_and_update(
            {"_id": COUNTER},
            {"$inc": {"value": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return int((doc or {})["value"]) - count + 1

    async def insert(self, docs: Sequence[Doc], session: AsyncClientSession) -> None:
        if docs:
            await self._events.insert_many(list(docs), ordered=True, session=session)

    # -- reads ----------------------------------------------------------------------------------

    async def head(self) -> int:
        """The highest committed seq: every event up to it is readable."""
        doc = await self._counter.find_one({"_id": COUNTER})
        return int((doc or {}).get("value", 0))

    async def page(
        self,
        after: int,
        upto: int,
        limit: int,
        *,
        agency: str | None = None,
        types: Collection[str] | None = None,
    ) -> list[Doc]:
        """Events with after < seq <= upto (one agency's, of some types), in seq order."""
        query: Doc = {"seq": {"$gt": after, "$lte": upto}}
        if agency is not None:
            query["agency"] = agency
        if types:
            query["type"] = {"$in": sorted(types)}
        cursor = self._events.find(query, {"_id": 0, "seq": 1, "item_id": 1, "type": 1, "event": 1})
        return await cursor.sort("seq", ASCENDING).limit(limit).to_list(limit)

    async def by_seq(self, seq: int) -> Doc | None:
        return await self._events.find_one({"seq": seq})
