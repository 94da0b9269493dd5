"""Ballots in MongoDB (`ballots`, _id = item id) and an in-process cache for the hot path."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol

from pymongo import ASCENDING

from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.store import Tx
from gongnon_contracts.ballots import BallotOption, BallotQuestion
from voting_svc.domain.ballot import Ballot, BallotStatus, VoteKind

log = logging.getLogger(__name__)

Doc = dict[str, Any]


def to_doc(b: Ballot) -> Doc:
    return {
        "_id": b.item_id,
        "kind": b.kind.value,
        "agency": b.agency,
        "status": b.status.value,
        "options": [o.model_dump(mode="json") for o in b.options],
        "questions": [q.model_dump(mode="json") for q in b.questions],
        "max_choices": b.max_choices,
        "budget_krw": b.budget_krw,
        "opens_at": b.opens_at,
        "closes_at": b.closes_at,
        "quorum": b.quorum,
        "source_item_id": b.source_item_id,
    }


def from_doc(d: Doc) -> Ballot:
    return Ballot(
        item_id=d["_id"],
        kind=VoteKind(d["kind"]),
        agency=d["agency"],
        status=BallotStatus(d["status"]),
        options=tuple(BallotOption.model_validate(o) for o in d.get("options", [])),
        questions=tuple(BallotQuestion.model_validate(q) for q in d.get("questions", [])),
        max_choices=d.get("max_choices", 1),
        budget_krw=d.get("budget_krw"),
        opens_at=d.get("opens_at"),
        closes_at=d.get("closes_at"),
        quorum=d.get("quorum"),
        source_item_id=d.get("source_item_id"),
    )


class Defined(Enum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


# Fields that define a ballot; bookkeeping (created_at, closed_at) is left out of comparisons.
_DEFINITION = (
    "kind",
    "agency",
    "options",
    "questions",
    "max_choices",
    "budget_krw",
    "opens_at",
    "closes_at",
    "quorum",
    "source_item_id",
)


# Lower bound for the closing scan: keeps ballots without an end (null) out of the range.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class BallotRepository:
    def __init__(self, db: Any) -> None:
        self.col = db.ballots

    async def ensure_indexes(self) -> None:
        # The closing scan: open ballots whose period ended.
        await self.col.create_index([("status", ASCENDING), ("closes_at", ASCENDING)])

    async def get(self, item_id: str) -> Ballot | None:
        d = await self.col.find_one({"_id": item_id})
        return from_doc(d) if d else None

    async def get_many(self, item_ids: Collection[str]) -> dict[str, Ballot]:
        return {d["_id"]: from_doc(d) for d in await find_by_ids(self.col, item_ids)}

    async def add(self, tx: Tx, ballot: Ballot) -> Defined:
        """Create the ballot unless one exists; the same definition again is a no-op."""
        doc = to_doc(ballot)
        existing = await tx.db.ballots.find_one({"_id": ballot.item_id}, session=tx.session)
        if existing is None:
            await tx.db.ballots.insert_one({**doc, "created_at": tx.now}, session=tx.session)
            return Defined.CREATED
        same = all(_norm(existing.get(k)) == _norm(doc[k]) for k in _DEFINITION)
        return Defined.UNCHANGED if same else Defined.CONFLICT

    async def close(self, tx: Tx, item_id: str) -> bool:
        res = await tx.db.ballots.update_one(
            {"_id": item_id, "status": BallotStatus.OPEN.value},
            {"$set": {"status": BallotStatus.CLOSED.value, "closed_at": tx.now}},
            session=tx.session,
        )
        return bool(res.modified_count)

    async def due_to_close(self, cutoff: datetime, limit: int) -> list[Ballot]:
        """Open ballots whose period ended at or before `cutoff`, earliest first."""
        query = {"status": BallotStatus.OPEN.value, "closes_at": {"$gte": _EPOCH, "$lte": cutoff}}
        cursor = self.col.find(query).sort([("status", ASCENDING), ("closes_at", ASCENDING)]).limit(limit)
        docs = await cursor.to_list(limit)
        return [from_doc(d) for d in docs]

    async def close_with_result(self, tx: Tx, item_id: str, final: Doc) -> bool:
        """Close an open ballot and keep its final result; False if it was closed already."""
        res = await tx.db.ballots.update_one(
            {"_id": item_id, "status": BallotStatus.OPEN.value},
            {"$set": {"status": BallotStatus.CLOSED.value, "closed_at": tx.now, "final": final}},
            session=tx.session,
        )
        return bool(res.modified_count)

    async def item_ids(self) -> AsyncIterator[str]:
        async for d in self.col.find({}, {"_id": 1}).sort("_id", ASCENDING):
            yield d["_id"]


def _norm(v: Any) -> Any:
    # Mongo returns aware datetimes (tz_aware client); compare instants, not representations.
    return v.timestamp() if isinstance(v, datetime) else v


class BallotSource(Protocol):
    async def get(self, item_id: str) -> Ballot | None: ...

    async def get_many(self, item_ids: Collection[str]) -> dict[str, Ballot]: ...


class BallotCache:
    """Ballots in process memory so a vote costs no MongoDB read.

    Entries expire after `ttl_s` (a ballot closed by another instance is seen within that time);
    unknown items are remembered briefly so a flood of votes on a bad id does not reach MongoDB,
    and concurrent misses on one item share a single read. An expired ballot is still served
    while it is read again: a vote never waits on that read (SecantusDB under write load was
    measured holding a read 7-11 s, and every vote on the item waited with it). A failed read
    keeps the old ballot and is tried again after `miss_ttl_s`.

    Expired ballots are read again together, those that expired within `gather_s` in one `$in`
    read: with supports spread over 10,000 items, one read per item every `ttl_s` was two thousand
    statements a second, each queued behind the database's writes."""

    def __init__(
        self,
        repo: BallotSource,
        ttl_s: float = 5.0,
        miss_ttl_s: float = 0.5,
        max_entries: int = 200_000,
        monotonic: Callable[[], float] = time.monotonic,
        gather_s: float = 0.25,
    ) -> None:
        self.repo = repo
        self.ttl_s = ttl_s
        self.miss_ttl_s = miss_ttl_s
        self.max_entries = max_entries
        self.gather_s = gather_s
        self._now = monotonic
        self._entries: dict[str, tuple[float, Ballot | None]] = {}
        self._loading: dict[str, asyncio.Task[Ballot | None]] = {}
        self._expired: set[str] = set()  # to read again in the next gathered read
        self._refreshing: set[str] = set()  # in the read under way
        self._refresher: asyncio.Task[None] | None = None

    async def get(self, item_id: str) -> Ballot | None:
        hit = self._entries.get(item_id)
        if hit is not None:
            expires, ballot = hit
            if expires > self._now():
                return ballot
            if ballot is not None:
                self._refresh_later(item_id)
                return ballot
        # A task of its own (shielded), so a cancelled request does not cancel the read others wait on.
        return await asyncio.shield(self._load_once(item_id))

    def _refresh_later(self, item_id: str) -> None:
        if item_id in self._refreshing or item_id in self._loading:
            return
        self._expired.add(item_id)
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_expired())

    async def _refresh_expired(self) -> None:
        while self._expired:
            await asyncio.sleep(self.gather_s)
            ids, self._expired = self._expired, set()
            self._refreshing = ids
            try:
                found = await self.repo.get_many(ids)
            except Exception:
                log.warning("reading %d expired ballots failed; serving them meanwhile", len(ids), exc_info=True)
                for item_id in ids:
                    stale = self._entries.get(item_id)
                    if stale is not None and stale[1] is not None:
                        self._entries[item_id] = (self._now() + self.miss_ttl_s, stale[1])
                continue
            finally:
                self._refreshing = set()
            for item_id in ids:
                self.put(item_id, found.get(item_id))

    def _load_once(self, item_id: str) -> asyncio.Task[Ballot | None]:
        task = self._loading.get(item_id)
        if task is None:
            task = asyncio.create_task(self._load(item_id))
            task.add_done_callback(_retrieve)
            self._loading[item_id] = task
        return task

    async def _load(self, item_id: str) -> Ballot | None:
        try:
            ballot = await self.repo.get(item_id)
        except Exception:
            stale = self._entries.get(item_id)
            if stale is not None and stale[1] is not None:
                self._entries[item_id] = (self._now() + self.miss_ttl_s, stale[1])
            raise
        finally:
            self._loading.pop(item_id, None)
        self.put(item_id, ballot)
        return ballot

    def put(self, item_id: str, ballot: Ballot | None) -> None:
        if len(self._entries) >= self.max_entries:
            now = self._now()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[item_id] = (self._now() + (self.ttl_s if ballot else self.miss_ttl_s), ballot)

    def forget(self, item_id: str) -> None:
        self._entries.pop(item_id, None)


def _retrieve(task: asyncio.Task[Ballot | None]) -> None:
    # Every waiter re-raises a failed read itself; this only keeps asyncio from warning when none was left.
    if not task.cancelled():
        task.exception()
