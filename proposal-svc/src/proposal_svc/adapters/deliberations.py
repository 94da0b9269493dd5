"""MongoDB persistence of debates and consultations (`deliberations`), which proposal a debate
grew from (`debate_links`, one debate per proposal) and their timelines (`deliberation_timeline`).

Writes that record something happening (the result, a participants count) are conditional or
monotone, so a redelivered event changes nothing."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.ballots import BallotOption, BallotQuestion
from gongnon_contracts.events.common import ActorRole
from proposal_svc.adapters.timelines import NumberedTimeline
from proposal_svc.domain.deliberation import (
    BallotSpec,
    Deliberation,
    DeliberationKind,
    Period,
    Result,
    VoteType,
)
from proposal_svc.domain.timeline import TimelineEntry

Doc = dict[str, Any]


def _options(opts: tuple[BallotOption, ...]) -> list[Doc]:
    return [o.model_dump() for o in opts]


def _read_options(raw: list[Doc] | None) -> tuple[BallotOption, ...]:
    return tuple(BallotOption(id=o["id"], label=o["label"]) for o in raw or [])


def to_doc(d: Deliberation) -> Doc:
    return {
        "_id": d.id,
        "kind": d.kind.value,
        "agency": d.agency,
        "title": d.title,
        "body": d.body,
        "category": d.category,
        "department_id": d.department_id,
        "vote_type": d.ballot.vote_type.value,
        "options": _options(d.ballot.options),
        "questions": [{"id": q.id, "label": q.label, "options": _options(q.options)} for q in d.ballot.questions],
        "max_choices": d.ballot.max_choices,
        "opens_at": d.period.opens_at,
        "closes_at": d.period.closes_at,
        "created_at": d.created_at,
        "created_by": d.created_by,
        "creator_role": d.creator_role.value,
        "source_item_id": d.source_item_id,
        "participants": d.participants,
        "result": None,
        "cases": d.cases,
    }


def from_doc(doc: Doc) -> Deliberation:
    r = doc.get("result")
    return Deliberation(
        id=doc["_id"],
        kind=DeliberationKind(doc["kind"]),
        agency=doc["agency"],
        title=doc["title"],
        body=doc["body"],
        category=doc["category"],
        department_id=doc.get("department_id"),
        ballot=BallotSpec(
            vote_type=VoteType(doc["vote_type"]),
            options=_read_options(doc.get("options")),
            questions=tuple(
                BallotQuestion(id=q["id"], label=q["label"], options=_read_options(q.get("options")))
                for q in doc.get("questions") or []
            ),
            max_choices=int(doc.get("max_choices", 1)),
        ),
        period=Period(doc["opens_at"], doc["closes_at"]),
        created_at=doc["created_at"],
        created_by=doc.get("created_by", ""),
        creator_role=ActorRole(doc.get("creator_role", ActorRole.OPERATOR.value)),
        source_item_id=doc.get("source_item_id"),
        participants=int(doc.get("participants", 0)),
        result=None
        if not r
        else Result(
            total=int(r["total"]),
            counts={k: int(v) for k, v in (r.get("counts") or {}).items()},
            closed_at=r["closed_at"],
            published_at=r["published_at"],
        ),
        cases=dict(doc.get("cases") or {}),
    )


class DeliberationRepository:
    def __init__(self, store: Store) -> None:
        self.db = store.db
        self._timeline = NumberedTimeline(self.db.deliberations, self.db.deliberation_timeline)

    async def ensure_indexes(self) -> None:
        # The public lists: one kind, newest first (ids are time-ordered).
        await self.db.deliberations.create_index([("kind", ASCENDING), ("_id", DESCENDING)])
        await self._timeline.ensure_indexes()

    async def insert(self, tx: Tx, d: Deliberation, entry: TimelineEntry) -> None:
        await self._timeline.first(tx, to_doc(d), [entry])

    async def get(self, item_id: str, session: AsyncClientSession | None = None) -> Deliberation | None:
        doc = await self.db.deliberations.find_one({"_id": item_id}, session=session)
        return from_doc(doc) if doc else None

    async def page(self, kind: DeliberationKind, before: str | None, limit: int) -> list[Deliberation]:
        query: Doc = {"kind": kind.value}
        if before:
            query["_id"] = {"$lt": before}
        cur = self.db.deliberations.find(query).sort([("kind", ASCENDING), ("_id", DESCENDING)]).limit(limit)
        return [from_doc(d) for d in await cur.to_list(limit)]

    # --- one debate per proposal ---

    async def debate_of(self, proposal_id: str, session: AsyncClientSession | None = None) -> str | None:
        doc = await self.db.debate_links.find_one({"_id": proposal_id}, session=session)
        return str(doc["debate_id"]) if doc else None

    async def link_debate(self, tx: Tx, proposal_id: str, debate_id: str) -> None:
        # A concurrent second link fails the transaction (duplicate _id); the caller looked first.
        await self.db.debate_links.insert_one(
            {"_id": proposal_id, "debate_id": debate_id, "at": tx.now}, session=tx.session
        )

    # --- what happened to it ---

    async def get_many(
        self, item_ids: Collection[str], session: AsyncClientSession | None = None
    ) -> dict[str, Deliberation]:
        """The deliberations among these ids, by id."""
        docs = await find_by_ids(self.db.deliberations, item_ids, session=session)
        return {d["_id"]: from_doc(d) for d in docs}

    async def raise_participants(self, highest: Mapping[str, int]) -> None:
        """Tally snapshots are absolute and may arrive out of order: keep the largest (outside any
        transaction, like the proposals' counts: applied twice it is the same)."""
        ops = [UpdateOne({"_id": item_id}, {"$max": {"participants": value}}) for item_id, value in highest.items()]
        if ops:
            await self.db.deliberations.bulk_write(ops, ordered=False)

    async def record_result(self, tx: Tx, d: Deliberation, r: Result, entry: TimelineEntry) -> bool:
        """Record the final result once, shown on the timeline; False when it was recorded already."""
        result = {"total": r.total, "counts": dict(r.counts), "closed_at": r.closed_at, "published_at": r.published_at}
        return await self._timeline.record(
            tx, {"_id": d.id, "result": None}, {"$set": {"result": result}, "$max": {"participants": r.total}}, [entry]
        )

    async def record_case(self, tx: Tx, d: Deliberation, case_id: str, moved: bool, entry: TimelineEntry) -> None:
        """Show what happened to the case on the timeline; keep its new status when it moved on."""
        update = {"$set": {f"cases.{case_id}": d.cases[case_id]}} if moved else {}
        await self._timeline.record(tx, {"_id": d.id}, update, [entry])

    # --- timeline ---

    async def timeline(self, item_id: str, limit: int = 1000) -> list[Doc]:
        return await self._timeline.read(item_id, limit)
