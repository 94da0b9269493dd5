"""Webhook subscriptions, their delivery lanes' state, the delivery log and dead letters
(notify-svc's database).

- `webhook_subscriptions`: the subscription, its secret, and its lane: `cursor` (every public
  event up to this seq is done), `generation` (bumped by a replay: a page begun before it does
  not move the cursor), and a lease (`lease_owner`, `lease_until`) so that one replica runs it.
- `webhook_deliveries`: the log, one document per delivered page (`entries`: one per event),
  read back by bounded ranges of `last_seq`.
- `webhook_dead_letters`: events given up on after the retry limit, one document each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from gongnon_chassis.collections import ensure_collections
from gongnon_contracts import new_id

Doc = dict[str, Any]
DUPLICATE_KEY = 11000

# The widest seq range one page of a lane covers: bounds every range query over the log.
SPAN = 2_000
WINDOWS_PER_READ = 50
# What an agency sees of its subscriptions: deleted ones are gone; paused ones (a closed agency's)
# stay listed with their status and log, and deliver nothing.
VISIBLE = ("active", "paused")
CLOSED_AGENCIES = "webhook_closed_agencies"  # agencies whose subscriptions are paused for good
AGENCY_CLOSED = "agency_closed"  # why such a subscription is paused


@dataclass(frozen=True)
class Subscription:
    id: str
    agency: str
    url: str
    types: tuple[str, ...]  # empty: every type
    scope: str  # own: the agency's items; all: every public item
    secret: str
    cursor: int
    generation: int
    floor: int  # the lowest cursor it ever had (the log reads stop there)
    status: str

    @classmethod
    def from_doc(cls, d: Doc) -> Subscription:
        return cls(
            id=d["_id"],
            agency=d["agency"],
            url=d["url"],
            types=tuple(d.get("types") or ()),
            scope=d["scope"],
            secret=d["secret"],
            cursor=int(d.get("cursor", 0)),
            generation=int(d.get("generation", 0)),
            floor=int(d.get("floor", 0)),
            status=d.get("status", "active"),
        )

    @property
    def only_agency(self) -> str | None:
        return self.agency if self.scope == "own" else None

    def matches(self, agency: str, event_type: str) -> bool:
        return (self.scope == "all" or agency == self.agency) and (not self.types or event_type in self.types)


def public_view(d: Doc) -> Doc:
    """A subscription as its owners see it: never the secret."""
    return {
        "id": d["_id"],
        "agency": d["agency"],
        "url": d["url"],
        "types": d.get("types") or [],
        "scope": d["scope"],
        "description": d.get("description", ""),
        "status": d.get("status", "active"),
        "created_at": d["created_at"],
        "cursor": int(d.get("cursor", 0)),
    }


class SubscriptionRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._col = db.webhook_subscriptions

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("agency", ASCENDING), ("status", ASCENDING), ("created_at", ASCENDING)])
        await self._col.create_index([("status", ASCENDING)])
        # Written inside the agency.closed handler's transaction.
        await ensure_collections(self._db, CLOSED_AGENCIES)

    async def create(self, doc: Doc) -> Doc:
        await self._col.insert_one(doc)
        return doc

    async def mark_closed(self, agency: str, at: datetime, session: AsyncClientSession) -> None:
        await self._db[CLOSED_AGENCIES].update_one(
            {"_id": agency}, {"$setOnInsert": {"closed_at": at}}, upsert=True, session=session
        )

    async def active_ids(self, agency: str, session: AsyncClientSession | None = None) -> list[str]:
        # Served by the (agency, status, created_at) index.
        found = self._col.find({"agency": agency, "status": "active"}, {"_id": 1}, session=session)
        return [d["_id"] async for d in found]

    async def is_closed(self, agency: str) -> bool:
        return await self._db[CLOSED_AGENCIES].find_one({"_id": agency}, {"_id": 1}) is not None

    async def pause(
        self, sub_ids: Sequence[str], reason: str, at: datetime, session: AsyncClientSession | None
    ) -> None:
        if sub_ids:
            await self._col.update_many(
                {"_id": {"$in": list(sub_ids)}, "status": "active"},
                {"$set": {"status": "paused", "paused_reason": reason, "paused_at": at, "lease_owner": None}},
                session=session,
            )

    async def count_active(self, agency: str) -> int:
        return await self._col.count_documents({"agency": agency, "status": "active"})

    async def of_agency(self, agency: str, limit: int) -> list[Doc]:
        """The agency's subscriptions that are not deleted: active, and paused (its agency closed)."""
        out: list[Doc] = []
        for status in VISIBLE:  # one index range each: SecantusDB scans an `$in` on a non-_id field
            cursor = self._col.find({"agency": agency, "status": status}).sort("created_at", ASCENDING)
            out += await cursor.limit(limit).to_list(limit)
        return sorted(out, key=lambda d: d["created_at"])[:limit]

    async def get(self, sub_id: str) -> Doc | None:
        return await self._col.find_one({"_id": sub_id})

    async def active(self) -> list[Subscription]:
        return [Subscription.from_doc(d) async for d in self._col.find({"status": "active"})]

    async def delete(self, sub_id: str, now: datetime) -> bool:
        result = await self._col.update_one(
            {"_id": sub_id, "status": {"$in": list(VISIBLE)}},
            {"$set": {"status": "deleted", "deleted_at": now, "lease_owner": None}},
        )
        return result.modified_count == 1

    async def replay(self, sub_id: str, from_seq: int) -> Doc | None:
        """Start the lane again after seq from_seq - 1 (a new generation)."""
        doc = await self._col.find_one({"_id": sub_id, "status": "active"}, {"floor": 1})
        if doc is None:
            return None
        return await self._col.find_one_and_update(
            {"_id": sub_id, "status": "active"},
            {
                "$set": {"cursor": from_seq - 1, "floor": min(int(doc.get("floor", 0)), from_seq - 1)},
                "$inc": {"generation": 1},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def advance_many(self, moves: Sequence[tuple[str, int, int]]) -> None:
        """Move lanes' cursors (sub_id, generation, cursor), in order, each unless a replay (a new
        generation) or a deletion came in between: the lane learns of those from the dispatcher."""
        if moves:
            ops = [
                UpdateOne({"_id": sub_id, "generation": generation, "status": "active"}, {"$set": {"cursor": cursor}})
                for sub_id, generation, cursor in moves
            ]
            await self._col.bulk_write(ops, ordered=True)

    # -- leases: one replica runs each lane ------------------------------------------------------

    async def claim(self, sub_id: str, owner: str, now: datetime, ttl_s: float) -> bool:
        until = now + timedelta(seconds=ttl_s)
        # Two point updates rather than one with $or (which SecantusDB serves by a collection scan).
        for held in ({"lease_owner": owner}, {"lease_until": {"$lt": now}}, {"lease_owner": None}):
            result = await self._col.update_one(
                {"_id": sub_id, "status": "active", **held}, {"$set": {"lease_owner": owner, "lease_until": until}}
            )
            if result.matched_count:
                return True
        return False

    async def renew(self, sub_ids: Sequence[str], owner: str, now: datetime, ttl_s: float) -> set[str]:
        """Extend the leases this replica still holds; returns those it holds."""
        if not sub_ids:
            return set()
        await self._col.update_many(
            {"_id": {"$in": list(sub_ids)}, "lease_owner": owner, "status": "active"},
            {"$set": {"lease_until": now + timedelta(seconds=ttl_s)}},
        )
        held = self._col.find({"_id": {"$in": list(sub_ids)}}, {"lease_owner": 1, "status": 1})
        return {d["_id"] async for d in held if d.get("lease_owner") == owner and d.get("status") == "active"}


class DeliveryLog:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._log = db.webhook_deliveries
        self._dead = db.webhook_dead_letters

    async def ensure_indexes(self) -> None:
        await self._log.create_index([("subscription_id", ASCENDING), ("last_seq", ASCENDING)])
        await self._dead.create_index([("subscription_id", ASCENDING), ("seq", ASCENDING)])

    async def record(
        self, sub_id: str, generation: int, entries: Sequence[Doc], now: datetime, manual: bool = False
    ) -> None:
        """One page's outcomes (one document), and a dead letter for each event given up on; a
        delivery by hand also marks its dead letter redelivered."""
        await self.record_pages([(sub_id, generation, entries, now)], manual=manual)
        if manual:
            for e in entries:
                if e["status"] == "delivered":
                    await self._dead.update_one({"_id": f"{sub_id}:{e['seq']}"}, {"$set": {"redelivered_at": e["at"]}})

    async def record_pages(
        self, pages: Sequence[tuple[str, int, Sequence[Doc], datetime]], manual: bool = False
    ) -> None:
        """Several pages at once (of any lanes): one insert for the log, one write for dead letters.
        A page delivered again after a crash has the same id and is logged once."""
        chunks: list[Doc] = []
        dead: list[ReplaceOne[Doc]] = []
        for sub_id, generation, entries, now in pages:
            if not entries:
                continue
            seqs = [e["seq"] for e in entries]
            first, last = min(seqs), max(seqs)
            chunk_id = f"{sub_id}:{first:020d}:{generation}" + (f":m{new_id()}" if manual else "")
            doc = {
                "_id": chunk_id,
                "subscription_id": sub_id,
                "first_seq": first,
                "last_seq": last,
                "generation": generation,
                "manual": manual,
                "at": now,
                "entries": list(entries),
            }
            chunks.append(doc)
            dead += [
                ReplaceOne(
                    {"_id": f"{sub_id}:{e['seq']}"},
                    {"subscription_id": sub_id, **e, "redelivered_at": None},
                    upsert=True,
                )
                for e in entries
                if e["status"] == "dead"
            ]
        if chunks:
            try:
                await self._log.insert_many(chunks, ordered=False)
            except BulkWriteError as exc:
                # The same page logged before a crash (same id): that log stands.
                if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                    raise
        if dead:
            await self._dead.bulk_write(dead, ordered=False)

    async def entries(
        self, sub_id: str, before: int, floor: int, limit: int, dead_only: bool
    ) -> tuple[list[Doc], int | None]:
        """Log entries (or only dead letters) with floor < seq < before, newest first, read by
        bounded windows of seq; and the `before` to continue from (None: nothing older)."""
        out: list[Doc] = []
        hi = before
        for _ in range(WINDOWS_PER_READ):
            if len(out) >= limit or hi <= floor + 1:
                break
            lo = max(hi - SPAN, floor + 1)
            if dead_only:
                docs = self._dead.find({"subscription_id": sub_id, "seq": {"$gte": lo, "$lt": hi}})
                out += [d async for d in docs]
            else:
                # A page's seqs lie within SPAN of each other, so the pages holding seqs in
                # [lo, hi) end in [lo, hi + SPAN).
                docs = self._log.find({"subscription_id": sub_id, "last_seq": {"$gte": lo, "$lt": hi + SPAN}})
                out += [e async for d in docs for e in d["entries"] if lo <= e["seq"] < hi]
            hi = lo
        out.sort(key=lambda e: int(e["seq"]), reverse=True)
        if len(out) > limit:
            # Never split the entries of one seq (an event delivered again by a replay) across pages.
            cut = limit
            while cut < len(out) and out[cut]["seq"] == out[cut - 1]["seq"]:
                cut += 1
            return out[:cut], int(out[cut - 1]["seq"])
        return out, (hi if hi > floor + 1 else None)

    async def dead_letter(self, sub_id: str, seq: int) -> Doc | None:
        return await self._dead.find_one({"_id": f"{sub_id}:{seq}"})
