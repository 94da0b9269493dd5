"""The home page's live counters, a projection the gateway keeps from public events:
proposals submitted, total supports, proposals that reached their support threshold, debate
candidates, items citizens decided to carry out, and items carried out to completion. Per agency.
Handlers are idempotent (the chassis inbox de-duplicates deliveries, and tallies are absolute
snapshots applied only when newer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import UpdateOne

from gongnon_chassis.collections import ensure_collections as ensure_db_collections
from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.grouping import in_pieces
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    ExecutionCompleted,
    ExecutionStarted,
    MilestoneReached,
    ProposalSubmitted,
    TallyUpdated,
)
from gongnon_contracts.events.common import Metric, RuleAction

# Events per batch (one transaction): behind, a larger batch holds several snapshots of the busier
# items, each item written once.
BATCH = 1000
PIECE = 50  # documents per statement inside it


@dataclass(frozen=True)
class Counters:
    proposals: int = 0
    supports: int = 0
    supported: int = 0  # reached a support threshold that calls for an answer or more
    debates: int = 0
    decided: int = 0  # passed a decision vote (결정)
    executed: int = 0  # carried out to completion (실행 완료)


async def ensure_collections(db: Any) -> None:
    await ensure_db_collections(db, "counters", "counter_items")


async def read_counters(db: Any, agency: str) -> Counters:
    doc = await db.counters.find_one({"_id": agency}) or {}
    return Counters(
        proposals=int(doc.get("proposals", 0)),
        supports=int(doc.get("supports", 0)),
        supported=int(doc.get("supported", 0)),
        debates=int(doc.get("debates", 0)),
        decided=int(doc.get("decided", 0)),
        executed=int(doc.get("executed", 0)),
    )


async def _bump(tx: Tx, agency: str, **inc: int) -> None:
    await tx.db.counters.update_one({"_id": agency}, {"$inc": inc}, upsert=True, session=tx.session)


async def _item(tx: Tx, item_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await tx.db.counter_items.find_one({"_id": item_id}, session=tx.session)
    return doc


async def _set_item(tx: Tx, item_id: str, fields: dict[str, Any]) -> None:
    await tx.db.counter_items.update_one({"_id": item_id}, {"$set": fields}, upsert=True, session=tx.session)


async def _once(tx: Tx, item_id: str, counter: str, agency: str) -> None:
    """Count the item once under `counter`, whatever repeats."""
    item = await _item(tx, item_id) or {}
    if item.get(counter):
        return
    await _set_item(tx, item_id, {counter: True})
    await _bump(tx, agency, **{counter: 1})


def register_counters(rt: Runtime) -> None:
    # Batches, so spread tallies (hundreds of items a second) cost one transaction per batch; its
    # statements stay short (pieces of PIECE documents): on SecantusDB a long statement inside a
    # transaction holds up every other transaction of the server.
    consumer = rt.consumer("counters", batch_size=BATCH)

    @consumer.on(ProposalSubmitted)
    async def on_submitted(e: ProposalSubmitted, env: Envelope, tx: Tx) -> None:
        item = await _item(tx, e.item_id) or {}
        if item.get("submitted"):
            return
        await _set_item(tx, e.item_id, {"submitted": True, "agency": env.agency})
        await _bump(tx, env.agency, proposals=1)

    @consumer.on(MilestoneReached)
    async def on_milestone(e: MilestoneReached, env: Envelope, tx: Tx) -> None:
        item = await _item(tx, e.item_id) or {}
        seen = set(item.get("actions", []))
        if e.action.value in seen:
            return
        inc: dict[str, int] = {}
        answer_actions = {RuleAction.DEPARTMENT_ANSWER.value, RuleAction.HEAD_ANSWER.value}
        if e.metric == Metric.SUPPORTS and e.action.value in answer_actions and not seen & answer_actions:
            inc["supported"] = 1
        if e.action == RuleAction.DEBATE_CANDIDATE:
            inc["debates"] = 1
        await _set_item(tx, e.item_id, {"actions": sorted(seen | {e.action.value})})
        if inc:
            await _bump(tx, env.agency, **inc)

    @consumer.on(ExecutionStarted)
    async def on_execution(e: ExecutionStarted, env: Envelope, tx: Tx) -> None:
        # Execution opens only when citizens decided for it (or the plan needed no vote): once per item.
        await _once(tx, e.item_id, "decided", env.agency)

    @consumer.on(ExecutionCompleted)
    async def on_completed(e: ExecutionCompleted, env: Envelope, tx: Tx) -> None:
        await _once(tx, e.item_id, "executed", env.agency)

    # No inbox markers (two writes per event): a snapshot is applied only when newer than the last
    # one applied, so a redelivered batch changes nothing.
    @consumer.on_many(TallyUpdated, idempotent=True)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        """A batch of snapshots in stream order: the items read once, each applied only when newer
        than the last one applied, the items and the agencies' totals written once each."""
        support = [(e, env) for e, env in batch if e.kind == "support"]
        if not support:
            return
        ids = sorted({e.item_id for e, _ in support})
        items = {d["_id"]: d for d in await find_by_ids(tx.db.counter_items, ids, session=tx.session)}
        changed: dict[str, dict[str, Any]] = {}
        bumps: dict[str, int] = {}
        for e, env in support:
            item = items.setdefault(e.item_id, {})
            if item.get("tally_seq", -1) >= e.seq:
                continue  # an older or repeated snapshot
            delta = e.total - int(item.get("supports", 0))
            item.update(tally_seq=e.seq, supports=e.total)
            changed[e.item_id] = {"tally_seq": e.seq, "supports": e.total}
            agency = item.get("agency", env.agency)
            bumps[agency] = bumps.get(agency, 0) + delta
        if changed:
            ops = [UpdateOne({"_id": i}, {"$set": f}, upsert=True) for i, f in changed.items()]
            for part in in_pieces(ops, PIECE):
                await tx.db.counter_items.bulk_write(list(part), ordered=False, session=tx.session)
        for agency, delta in bumps.items():
            if delta:
                await _bump(tx, agency, supports=delta)
