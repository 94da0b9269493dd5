"""Broadcasts: what happened to an item, kept so that late followers still hear of it, with the
fan-out cursor of the delivery to existing followers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from notify_svc.domain.audience import Broadcast
from notify_svc.domain.messages import Message

Doc = dict[str, Any]


@dataclass(frozen=True)
class FanOutState:
    broadcast: Broadcast
    cursor: int  # the last follower number already handed to the channels
    done: bool


def _from_doc(d: Doc) -> Broadcast:
    return Broadcast(
        id=d["_id"],
        event_id=d["event_id"],
        item_id=d["item_id"],
        agency=d["agency"],
        kind=d["kind"],
        at=d["at"],
        message=Message(
            d["title"], d["body"], d.get("template", ""), tuple((k, v) for k, v in (d.get("params") or {}).items())
        ),
    )


class BroadcastRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.broadcasts

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("item_id", ASCENDING), ("at", ASCENDING)])
        await self._col.create_index([("done", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)])

    async def record(self, b: Broadcast, now: datetime, session: AsyncClientSession) -> bool:
        """Keep the broadcast unless it is already known; True if it is new."""
        result = await self._col.update_one(
            {"_id": b.id},
            {
                "$setOnInsert": {
                    "event_id": b.event_id,
                    "item_id": b.item_id,
                    "agency": b.agency,
                    "kind": b.kind,
                    "at": b.at,
                    "title": b.message.title,
                    "body": b.message.body,
                    "template": b.message.template,
                    "params": b.message.param_dict(),
                    "created_at": now,
                    "done": False,
                    "cursor": 0,
                    "delivered": 0,
                }
            },
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def since_each(
        self, since: Mapping[str, datetime], session: AsyncClientSession
    ) -> dict[str, list[Broadcast]]:
        """For each item, its broadcasts at or after its own moment; one query for the lot."""
        if not since:
            return {}
        query = {"item_id": {"$in": list(since)}, "at": {"$gte": min(since.values())}}
        found: dict[str, list[Broadcast]] = {}
        # Older news first, as the fan-out tells it.
        docs = await self._col.find(query, session=session).sort([("at", ASCENDING), ("_id", ASCENDING)]).to_list(None)
        for d in docs:
            b = _from_doc(d)
            if b.at >= since[b.item_id]:
                found.setdefault(b.item_id, []).append(b)
        return found

    async def pending(self, limit: int) -> list[str]:
        """Undelivered broadcasts, oldest happening first: a follower must not be told of an
        answer before the milestone that led to it (ids sort by kind, not by time)."""
        cursor = self._col.find({"done": False}, {"_id": 1}).sort([("at", ASCENDING), ("_id", ASCENDING)])
        return [d["_id"] for d in await cursor.limit(limit).to_list(limit)]

    async def fan_out_state(self, broadcast_id: str, session: AsyncClientSession) -> FanOutState | None:
        d = await self._col.find_one({"_id": broadcast_id}, session=session)
        if d is None:
            return None
        # Earlier versions kept an account id here: such a fan-out starts again from the first
        # follower (a notification is stored once per broadcast and account, so none is doubled).
        cursor = d["cursor"] if isinstance(d["cursor"], int) else 0
        return FanOutState(_from_doc(d), cursor, d["done"])

    async def advance(
        self, broadcast_id: str, cursor: int, done: bool, delivered: int, session: AsyncClientSession
    ) -> None:
        await self._col.update_one(
            {"_id": broadcast_id},
            {"$set": {"cursor": cursor, "done": done}, "$inc": {"delivered": delivered}},
            session=session,
        )
