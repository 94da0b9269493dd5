"""E-mail and SMS on their way: one document per (channel, happening, account), written in the
transaction that decided to notify (so a notification is queued once or not at all), then sent
by the sender (service_layer/sender.py), which records each attempt on the same document:
status, attempts, last_error, delivered_at.

A message due to go is claimed by moving its `next_at` a lease ahead (compare-and-set on the
old value): a sender that dies mid-send leaves it due again once the lease runs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_contracts import new_id
from notify_svc.domain.audience import Notification
from notify_svc.domain.delivery import Mode, Outcome, Schedule, Status

Doc = dict[str, Any]
CLAIM = timedelta(seconds=60)


class OutgoingRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.outgoing

    async def ensure_indexes(self) -> None:
        await self._col.create_index(
            [("channel", ASCENDING), ("broadcast_id", ASCENDING), ("account_id", ASCENDING)], unique=True
        )
        await self._col.create_index([("status", ASCENDING), ("next_at", ASCENDING)])
        await self._col.create_index([("account_id", ASCENDING), ("at", DESCENDING)])
        # A digest: the account's pending messages of one period.
        await self._col.create_index(
            [("account_id", ASCENDING), ("channel", ASCENDING), ("status", ASCENDING), ("period_start", ASCENDING)]
        )

    async def enqueue(
        self, channel: str, queued: Sequence[tuple[Notification, Schedule]], session: AsyncClientSession
    ) -> None:
        if not queued:
            return
        ops = []
        for n, schedule in queued:
            doc = {
                "_id": new_id("out_"),
                "item_id": n.item_id,
                "event_id": n.event_id,
                "agency": n.agency,
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "template": n.template,
                "params": dict(n.params),
                "at": n.at,
                "direct": n.direct,
                "mode": schedule.mode.value,
                "period_start": schedule.period_start,
                "status": Status.PENDING.value,
                "next_at": schedule.send_at,
                "attempts": 0,
                "last_error": None,
                "delivered_at": None,
            }
            key = {"channel": channel, "broadcast_id": n.broadcast_id, "account_id": n.account_id}
            ops.append(UpdateOne(key, {"$setOnInsert": doc}, upsert=True))
        await self._col.bulk_write(ops, ordered=False, session=session)

    async def claim_due(self, now: datetime, limit: int) -> list[Doc]:
        """Up to `limit` messages due now, each claimed for this sender."""
        claimed: list[Doc] = []
        candidates = (
            await self._col.find({"status": Status.PENDING.value, "next_at": {"$lte": now}})
            .sort("next_at", ASCENDING)
            .limit(limit)
            .to_list(limit)
        )
        digests: set[tuple[str, str, Any]] = set()
        for d in candidates:
            if d.get("mode") == Mode.DIGEST.value:
                # One message per digest: the first of its period claims, the rest go with it.
                key = (d["account_id"], d["channel"], d.get("period_start"))
                if key in digests:
                    continue
                digests.add(key)
            result = await self._col.update_one(
                {"_id": d["_id"], "status": Status.PENDING.value, "next_at": d["next_at"]},
                {"$set": {"next_at": now + CLAIM}},
            )
            if result.modified_count:
                claimed.append(d)
        return claimed

    async def digest_group(self, d: Doc, now: datetime) -> list[Doc]:
        """The account's pending digest messages of the period `d` belongs to (d among them), claimed."""
        query = {
            "account_id": d["account_id"],
            "channel": d["channel"],
            "status": Status.PENDING.value,
            "period_start": d["period_start"],
        }
        group = [g for g in await self._col.find(query).to_list(None) if g.get("mode") == Mode.DIGEST.value]
        ids = [g["_id"] for g in group if g["_id"] != d["_id"]]
        if ids:
            await self._col.update_many({"_id": {"$in": ids}}, {"$set": {"next_at": now + CLAIM}})
        return [d, *(g for g in group if g["_id"] != d["_id"])]

    async def record(self, ids: Sequence[str], outcome: Outcome, now: datetime, address: str | None) -> None:
        update: Doc = {
            "status": outcome.status.value,
            "attempts": outcome.attempts,
            "last_error": outcome.last_error,
            "last_attempt_at": now,
        }
        if address is not None:
            update["address"] = address
        if outcome.status == Status.SENT:
            update["delivered_at"] = now
        if outcome.next_at is not None:
            update["next_at"] = outcome.next_at
        await self._col.update_many({"_id": {"$in": list(ids)}}, {"$set": update})

    async def skip(self, ids: Sequence[str], why: str, now: datetime) -> None:
        await self._col.update_many(
            {"_id": {"$in": list(ids)}},
            {"$set": {"status": Status.SKIPPED.value, "last_error": why, "last_attempt_at": now}},
        )

    async def of_account(self, account_id: str, limit: int) -> list[Doc]:
        cursor = self._col.find({"account_id": account_id}).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return await cursor.limit(limit).to_list(limit)
