"""Review cases in MongoDB. One document per case, keyed by a generated id and unique on its
natural key (item, rule), so a milestone delivered twice cannot open two cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.errors import Conflict
from gongnon_contracts.events.common import RuleAction
from review_svc.domain.cases import Answer, Decision, Reminder, ReviewCase, Status, TimelineEntry
from review_svc.domain.deadlines import next_check_at

Doc = dict[str, Any]
# Lower bound for the deadline scan: keeps cases without a next check (null) out of the range.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def to_doc(case: ReviewCase) -> Doc:
    a = case.answer
    return {
        "_id": case.id,
        "agency": case.agency,
        "item_id": case.item_id,
        "item_title": case.item_title,
        "category": case.category,
        "rule_id": case.rule_id,
        "rule_set_id": case.rule_set_id,
        "action": case.action.value,
        "trigger": case.trigger,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "status": case.status.value,
        "department_id": case.department_id,
        "department_name": case.department_name,
        "answer": None
        if a is None
        else {
            "decision": a.decision.value,
            "text": a.text,
            "reason": a.reason,
            "officer_account": a.officer_account,
            "submitted_at": a.submitted_at,
        },
        "approved_by": case.approved_by,
        "published_at": case.published_at,
        "overdue": case.overdue,
        "overdue_at": case.overdue_at,
        "reminders": [{"kind": r.kind, "at": r.at, "sent": r.sent} for r in case.reminders],
        "reassign_reason": case.reassign_reason,
        "timeline": [
            {
                "at": t.at,
                "kind": t.kind,
                "actor_account": t.actor_account,
                "actor_role": t.actor_role,
                "department_id": t.department_id,
                "note": t.note,
            }
            for t in case.timeline
        ],
        "version": case.version,
        "check_at": next_check_at(case),
    }


def from_doc(doc: Doc) -> ReviewCase:
    a = doc.get("answer")
    return ReviewCase(
        id=doc["_id"],
        agency=doc["agency"],
        item_id=doc["item_id"],
        item_title=doc.get("item_title", ""),
        category=doc.get("category", ""),
        rule_id=doc["rule_id"],
        rule_set_id=doc.get("rule_set_id", ""),
        action=RuleAction(doc["action"]),
        trigger=doc.get("trigger", ""),
        opened_at=doc["opened_at"],
        due_at=doc["due_at"],
        status=Status(doc["status"]),
        department_id=doc.get("department_id"),
        department_name=doc.get("department_name", ""),
        answer=None
        if not a
        else Answer(Decision(a["decision"]), a["text"], a.get("reason"), a["officer_account"], a["submitted_at"]),
        approved_by=doc.get("approved_by"),
        published_at=doc.get("published_at"),
        overdue=bool(doc.get("overdue")),
        overdue_at=doc.get("overdue_at"),
        reminders=[Reminder(r["kind"], r["at"], r.get("sent", True)) for r in doc.get("reminders", [])],
        reassign_reason=doc.get("reassign_reason"),
        timeline=[
            TimelineEntry(t["at"], t["kind"], t["actor_account"], t["actor_role"], t.get("department_id"), t["note"])
            for t in doc.get("timeline", [])
        ],
        version=int(doc.get("version", 0)),
    )


class CaseRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.cases

    async def ensure_indexes(self) -> None:
        c = self._col
        await c.create_index([("item_id", ASCENDING), ("rule_id", ASCENDING)], unique=True)
        # Admin lists: by department (officers) or agency (operators), newest first, by status.
        await c.create_index([("department_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)])
        await c.create_index([("department_id", ASCENDING), ("_id", ASCENDING)])
        await c.create_index([("agency", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)])
        await c.create_index([("agency", ASCENDING), ("_id", ASCENDING)])
        # The deadline scan: the next moment a case needs looking at (reminder, then due date).
        await c.create_index([("check_at", ASCENDING)])

    async def insert_if_absent(self, case: ReviewCase, session: AsyncClientSession) -> bool:
        """Insert unless a case for the same (item, rule) exists; True if inserted."""
        result = await self._col.update_one(
            {"item_id": case.item_id, "rule_id": case.rule_id},
            {"$setOnInsert": to_doc(case)},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def get(self, case_id: str, session: AsyncClientSession | None = None) -> ReviewCase | None:
        doc = await self._col.find_one({"_id": case_id}, session=session)
        return from_doc(doc) if doc else None

    async def save(self, case: ReviewCase, session: AsyncClientSession) -> None:
        """Write back a case read in the same transaction. A concurrent change to it makes the
        transaction fail with a write conflict and retry from the read, so no version filter is
        needed (and a filter beyond _id would not be index-served)."""
        doc = to_doc(case)
        doc["version"] = case.version + 1
        result = await self._col.replace_one({"_id": case.id}, doc, session=session)
        if result.matched_count != 1:
            raise Conflict("the case disappeared meanwhile", code="concurrent_update")
        case.version += 1

    async def search(
        self,
        *,
        department_id: str | None,
        agency: str | None,
        status: Status | None,
        before: str | None,
        limit: int,
    ) -> list[ReviewCase]:
        query: Doc = {"department_id": department_id} if department_id else {"agency": agency}
        if status:
            query["status"] = status.value
        if before:
            query["_id"] = {"$lt": before}
        docs = await self._col.find(query).sort("_id", DESCENDING).limit(limit).to_list(limit)
        return [from_doc(d) for d in docs]

    async def for_item(self, item_id: str) -> list[ReviewCase]:
        docs = await self._col.find({"item_id": item_id}).to_list(None)
        return sorted((from_doc(d) for d in docs), key=lambda c: c.opened_at)

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        docs = await self._col.find({"check_at": {"$gte": _EPOCH, "$lte": now}}, {"_id": 1}).limit(limit).to_list(limit)
        return [d["_id"] for d in docs]
