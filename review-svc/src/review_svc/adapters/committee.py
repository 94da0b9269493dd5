"""The committee's agenda items, executions and report attachments in MongoDB.

One agenda item and one execution per proposal (unique on item_id), so a flag or a vote result
delivered twice cannot make two. Attachments are their own documents (bytes up to the domain's
limit), so reading an execution never loads files."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import Binary
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.errors import Conflict
from review_svc.domain.committee import (
    Agenda,
    AgendaEntry,
    AgendaStatus,
    BudgetTrack,
    Plan,
    ScoreSheet,
    Verdict,
)
from review_svc.domain.execution import (
    AttachmentMeta,
    Execution,
    ExecutionStatus,
    Milestone,
    Report,
)

Doc = dict[str, Any]
# Lower bound for the deadline scan: keeps items without a next check (null) out of the range.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def agenda_doc(a: Agenda) -> Doc:
    p = a.plan
    return {
        "_id": a.id,
        "agency": a.agency,
        "item_id": a.item_id,
        "item_title": a.item_title,
        "case_id": a.case_id,
        "department_id": a.department_id,
        "department_name": a.department_name,
        "flagged_by": a.flagged_by,
        "opened_at": a.opened_at,
        "status": a.status.value,
        "sheets": [
            {"member_account": s.member_account, "scores": s.scores, "comment": s.comment, "at": s.at}
            for s in a.sheets.values()
        ],
        "average_score": a.average_score,
        "rank": a.rank,
        "selected_at": a.selected_at,
        "plan": None
        if p is None
        else {
            "revision": p.revision,
            "direction": p.direction,
            "detail": p.detail,
            "budget_krw": p.budget_krw,
            "budget_track": p.budget_track.value,
            "department_id": p.department_id,
            "department_name": p.department_name,
            "submitted_by": p.submitted_by,
            "submitted_at": p.submitted_at,
        },
        "plan_department_id": p.department_id if p else None,
        "verdict_due_at": a.verdict_due_at,
        "verdict_escalated_at": a.verdict_escalated_at,
        "check_at": a.check_at,
        "verdict": a.verdict.value if a.verdict else None,
        "verdict_reason": a.verdict_reason,
        "verdict_by": a.verdict_by,
        "verdict_at": a.verdict_at,
        "closed_reason": a.closed_reason,
        "timeline": [
            {"at": t.at, "kind": t.kind, "actor_account": t.actor_account, "actor_role": t.actor_role, "note": t.note}
            for t in a.timeline
        ],
        "version": a.version,
    }


def agenda_from(d: Doc) -> Agenda:
    p = d.get("plan")
    return Agenda(
        id=d["_id"],
        agency=d["agency"],
        item_id=d["item_id"],
        item_title=d.get("item_title", ""),
        case_id=d["case_id"],
        department_id=d["department_id"],
        department_name=d.get("department_name", ""),
        flagged_by=d["flagged_by"],
        opened_at=d["opened_at"],
        status=AgendaStatus(d["status"]),
        sheets={
            s["member_account"]: ScoreSheet(s["member_account"], dict(s["scores"]), s.get("comment", ""), s["at"])
            for s in d.get("sheets", [])
        },
        average_score=d.get("average_score"),
        rank=d.get("rank"),
        selected_at=d.get("selected_at"),
        plan=None
        if not p
        else Plan(
            revision=int(p["revision"]),
            direction=p["direction"],
            detail=p["detail"],
            budget_krw=int(p["budget_krw"]),
            budget_track=BudgetTrack(p["budget_track"]),
            department_id=p["department_id"],
            department_name=p.get("department_name", ""),
            submitted_by=p["submitted_by"],
            submitted_at=p["submitted_at"],
        ),
        verdict_due_at=d.get("verdict_due_at"),
        verdict_escalated_at=d.get("verdict_escalated_at"),
        verdict=Verdict(d["verdict"]) if d.get("verdict") else None,
        verdict_reason=d.get("verdict_reason", ""),
        verdict_by=d.get("verdict_by"),
        verdict_at=d.get("verdict_at"),
        closed_reason=d.get("closed_reason", ""),
        timeline=[
            AgendaEntry(t["at"], t["kind"], t["actor_account"], t["actor_role"], t.get("note", ""))
            for t in d.get("timeline", [])
        ],
        version=int(d.get("version", 0)),
    )


def _attachment(m: AttachmentMeta) -> Doc:
    return {"id": m.id, "filename": m.filename, "media_type": m.media_type, "size": m.size}


def execution_doc(e: Execution) -> Doc:
    return {
        "_id": e.item_id,
        "item_id": e.item_id,
        "agency": e.agency,
        "item_title": e.item_title,
        "agenda_id": e.agenda_id,
        "department_id": e.department_id,
        "department_name": e.department_name,
        "budget_krw": e.budget_krw,
        "budget_track": e.budget_track.value,
        "status": e.status.value,
        "opened_at": e.opened_at,
        "started_at": e.started_at,
        "budget_source": e.budget_source,
        "progress_pct": e.progress_pct,
        "milestones": [
            {"id": m.id, "title": m.title, "progress_pct": m.progress_pct, "note": m.note, "by": m.by, "at": m.at}
            for m in e.milestones
        ],
        "reports": [
            {
                "id": r.id,
                "title": r.title,
                "body": r.body,
                "final": r.final,
                "attachments": [_attachment(m) for m in r.attachments],
                "by": r.by,
                "at": r.at,
            }
            for r in e.reports
        ],
        "completed_at": e.completed_at,
        "version": e.version,
    }


def execution_from(d: Doc) -> Execution:
    return Execution(
        item_id=d["item_id"],
        agency=d["agency"],
        item_title=d.get("item_title", ""),
        agenda_id=d.get("agenda_id", ""),
        department_id=d["department_id"],
        department_name=d.get("department_name", ""),
        budget_krw=int(d.get("budget_krw", 0)),
        budget_track=BudgetTrack(d["budget_track"]),
        status=ExecutionStatus(d["status"]),
        opened_at=d["opened_at"],
        started_at=d.get("started_at"),
        budget_source=d.get("budget_source", ""),
        progress_pct=int(d.get("progress_pct", 0)),
        milestones=[
            Milestone(m["id"], m["title"], int(m["progress_pct"]), m.get("note", ""), m["by"], m["at"])
            for m in d.get("milestones", [])
        ],
        reports=[
            Report(
                r["id"],
                r["title"],
                r["body"],
                bool(r.get("final")),
                [AttachmentMeta(x["id"], x["filename"], x["media_type"], int(x["size"])) for x in r["attachments"]],
                r["by"],
                r["at"],
            )
            for r in d.get("reports", [])
        ],
        completed_at=d.get("completed_at"),
        version=int(d.get("version", 0)),
    )


class CommitteeRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._agendas = db.committee_agendas
        self._executions = db.executions
        self._files = db.execution_attachments

    async def ensure_indexes(self) -> None:
        await self._agendas.create_index([("item_id", ASCENDING)], unique=True)
        await self._agendas.create_index([("agency", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)])
        await self._agendas.create_index([("plan_department_id", ASCENDING), ("status", ASCENDING)])
        await self._agendas.create_index([("status", ASCENDING), ("_id", DESCENDING)])
        await self._agendas.create_index([("check_at", ASCENDING)])
        await self._executions.create_index([("agency", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)])
        await self._executions.create_index([("status", ASCENDING), ("_id", ASCENDING)])
        await self._files.create_index([("item_id", ASCENDING)])

    # -- agenda ----------------------------------------------------------------------------------

    async def insert_agenda(self, a: Agenda, session: AsyncClientSession) -> bool:
        """Insert unless the item is on the agenda already; True if inserted."""
        result = await self._agendas.update_one(
            {"item_id": a.item_id}, {"$setOnInsert": agenda_doc(a)}, upsert=True, session=session
        )
        return result.upserted_id is not None

    async def agenda(self, agenda_id: str, session: AsyncClientSession | None = None) -> Agenda | None:
        d = await self._agendas.find_one({"_id": agenda_id}, session=session)
        return agenda_from(d) if d else None

    async def agenda_of_item(self, item_id: str, session: AsyncClientSession | None = None) -> Agenda | None:
        d = await self._agendas.find_one({"item_id": item_id}, session=session)
        return agenda_from(d) if d else None

    async def agendas(
        self, agency: str, status: AgendaStatus | None, limit: int, session: AsyncClientSession | None = None
    ) -> list[Agenda]:
        q: Doc = {"agency": agency}
        if status:
            q["status"] = status.value
        docs = await self._agendas.find(q, session=session).sort("_id", DESCENDING).limit(limit).to_list(limit)
        return [agenda_from(d) for d in docs]

    async def public_agendas(
        self, agency: str | None, statuses: list[AgendaStatus], after: str | None, limit: int
    ) -> list[Agenda]:
        q: Doc = {"status": {"$in": [s.value for s in statuses]}}
        if agency:
            q["agency"] = agency
        if after:
            q["_id"] = {"$lt": after}
        docs = await self._agendas.find(q).sort("_id", DESCENDING).limit(limit).to_list(limit)
        return [agenda_from(d) for d in docs]

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        q = {"check_at": {"$gte": _EPOCH, "$lte": now}}
        docs = await self._agendas.find(q, {"_id": 1}).limit(limit).to_list(limit)
        return [d["_id"] for d in docs]

    async def save_agenda(self, a: Agenda, session: AsyncClientSession) -> None:
        doc = agenda_doc(a)
        doc["version"] = a.version + 1
        result = await self._agendas.replace_one({"_id": a.id}, doc, session=session)
        if result.matched_count != 1:
            raise Conflict("the agenda item disappeared meanwhile", code="concurrent_update")
        a.version += 1

    # -- execution -------------------------------------------------------------------------------

    async def insert_execution(self, e: Execution, session: AsyncClientSession) -> bool:
        result = await self._executions.update_one(
            {"_id": e.item_id}, {"$setOnInsert": execution_doc(e)}, upsert=True, session=session
        )
        return result.upserted_id is not None

    async def execution(self, item_id: str, session: AsyncClientSession | None = None) -> Execution | None:
        d = await self._executions.find_one({"_id": item_id}, session=session)
        return execution_from(d) if d else None

    async def executions(
        self, agency: str | None, status: ExecutionStatus | None, after: str | None, limit: int
    ) -> list[Execution]:
        q: Doc = {}
        if agency:
            q["agency"] = agency
        if status:
            q["status"] = status.value
        if after:
            q["_id"] = {"$gt": after}
        docs = await self._executions.find(q).sort("_id", ASCENDING).limit(limit).to_list(limit)
        return [execution_from(d) for d in docs]

    async def save_execution(self, e: Execution, session: AsyncClientSession) -> None:
        doc = execution_doc(e)
        doc["version"] = e.version + 1
        result = await self._executions.replace_one({"_id": e.item_id}, doc, session=session)
        if result.matched_count != 1:
            raise Conflict("the execution disappeared meanwhile", code="concurrent_update")
        e.version += 1

    # -- attachments -----------------------------------------------------------------------------

    async def put_file(
        self, item_id: str, meta: AttachmentMeta, data: bytes, at: datetime, session: AsyncClientSession
    ) -> None:
        await self._files.insert_one(
            {"_id": meta.id, "item_id": item_id, **_attachment(meta), "data": Binary(data), "at": at}, session=session
        )

    async def file(self, item_id: str, file_id: str) -> tuple[AttachmentMeta, bytes] | None:
        d = await self._files.find_one({"_id": file_id, "item_id": item_id})
        if d is None:
            return None
        return AttachmentMeta(d["_id"], d["filename"], d["media_type"], int(d["size"])), bytes(d["data"])
