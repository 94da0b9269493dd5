"""The home page's live counters, a projection the gateway keeps from public events:
proposals submitted, total supports, proposals that reached their support threshold, debate
candidates, items citizens decided to carry out, and items carried out to completion. Per agency.
Handlers are idempotent (the chassis inbox de-duplicates deliveries). Supports come from
voting-svc's `votes.recorded`, one per agency per ledger batch: the per-item tallies are not read
here (spread over thousands of items they cost a read and a write per item per batch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongnon_chassis.collections import ensure_collections as ensure_db_collections
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    ExecutionCompleted,
    ExecutionStarted,
    MilestoneReached,
    ProposalSubmitted,
    VotesRecorded,
)
from gongnon_contracts.events.common import Metric, RuleAction

# Events per batch (one transaction). The tallies topic it reads for `votes.recorded` is mostly
# `tally.updated`, which it skips without a transaction.
BATCH = 1000
SUPPORT = "support"  # the vote kind the supports total counts


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

    # One event per agency per ledger batch (voting-svc): the total moves by what the batch added,
    # once (the inbox marks the event), however many items it touched.
    @consumer.on(VotesRecorded)
    async def on_recorded(e: VotesRecorded, env: Envelope, tx: Tx) -> None:
        if supports := e.by_kind.get(SUPPORT, 0):
            await _bump(tx, e.agency, supports=supports)
