"""The committee's and execution's HTTP API (see docs/services.md). Thin: parse, call the
service, shape the reply."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Invalid
from gongnon_contracts.bounds import KRW_MAX
from review_svc.domain.committee import SCORE_MAX, SCORE_MIN, AgendaStatus, BudgetTrack, SelectionRule, Verdict
from review_svc.domain.execution import MAX_ATTACHMENT_BYTES, ExecutionStatus
from review_svc.entrypoints.committee_views import execution_view, public_agenda, staff_agenda
from review_svc.service_layer.committee import CommitteeService, Upload

Score = Annotated[int, Field(ge=SCORE_MIN, le=SCORE_MAX)]


class ScoresBody(BaseModel):
    scores: dict[str, Score] = Field(description="necessity, changeability, feasibility, impact: 1-5 each")
    comment: str = Field("", max_length=2_000)


class SelectionBody(BaseModel):
    top_n: int = Field(ge=1, le=100, description="How many items this round selects at most")
    min_average: float = Field(0, ge=0, le=20, description="The lowest mean total (of 20) still selected")
    min_scorers: int = Field(1, ge=1, le=100, description="Sheets an item needs to be selected")


class PlanBody(BaseModel):
    direction: str = Field(max_length=2_000)
    detail: str = Field(max_length=20_000)
    budget_krw: int = Field(ge=0, le=KRW_MAX)
    budget_track: BudgetTrack
    department_id: str | None = Field(None, min_length=1, max_length=64)


class VerdictBody(BaseModel):
    verdict: Verdict
    reason: str = Field("", max_length=5_000)


class BudgetBody(BaseModel):
    source: str = Field(max_length=500)


class MilestoneBody(BaseModel):
    title: str = Field(max_length=200)
    progress_pct: int = Field(ge=0, le=100)
    note: str = Field("", max_length=5_000)


class AttachmentBody(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    # base64 of at most MAX_ATTACHMENT_BYTES (4/3 of it, rounded up, plus padding)
    data_base64: str = Field(max_length=(MAX_ATTACHMENT_BYTES + 2) // 3 * 4 + 4)


class ReportBody(BaseModel):
    title: str = Field(max_length=200)
    body: str = Field(max_length=50_000)
    attachments: list[AttachmentBody] = Field(default_factory=list, max_length=20)


def _uploads(body: ReportBody) -> list[Upload]:
    out = []
    for a in body.attachments:
        try:
            data = base64.b64decode(a.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid("an attachment's data_base64 is not base64", code="attachment_encoding") from exc
        out.append(Upload(a.filename, data))
    return out


def content_disposition(filename: str) -> str:
    """A download, never shown inline; the name in ASCII for old clients and in UTF-8 (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def build_committee_router(service: CommitteeService, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["committee"])

    @router.post("/cases/{case_id}/committee")
    async def flag(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        return staff_agenda(await service.flag(actor, case_id), clock.now(), actor.account_id)

    @router.get("/committee/agendas")
    async def agendas(
        actor: CurrentActor,
        status: AgendaStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 100,
    ) -> dict[str, Any]:
        found = await service.agendas(actor, status, limit)
        return {"items": [staff_agenda(a, clock.now(), actor.account_id) for a in found]}

    @router.get("/committee/agendas/{agenda_id}")
    async def agenda(agenda_id: str, actor: CurrentActor) -> dict[str, Any]:
        return staff_agenda(await service.staff_agenda(actor, agenda_id), clock.now(), actor.account_id)

    @router.post("/committee/agendas/{agenda_id}/scores")
    async def score(agenda_id: str, body: ScoresBody, actor: CurrentActor) -> dict[str, Any]:
        a = await service.score(actor, agenda_id, body.scores, body.comment)
        return staff_agenda(a, clock.now(), actor.account_id)

    @router.post("/committee/selection")
    async def select(body: SelectionBody, actor: CurrentActor) -> dict[str, Any]:
        rule = SelectionRule(body.top_n, body.min_average, body.min_scorers)
        ranked = await service.select(actor, rule)
        return {
            "rule": {"top_n": rule.top_n, "min_average": rule.min_average, "min_scorers": rule.min_scorers},
            "items": [
                {**public_agenda(a, clock.now()), "rank": rank, "selected": selected} for a, rank, selected in ranked
            ],
        }

    @router.post("/committee/agendas/{agenda_id}/plan")
    async def plan(agenda_id: str, body: PlanBody, actor: CurrentActor) -> dict[str, Any]:
        a = await service.submit_plan(
            actor,
            agenda_id,
            direction=body.direction,
            detail=body.detail,
            budget_krw=body.budget_krw,
            budget_track=body.budget_track,
            department_id=body.department_id,
        )
        return staff_agenda(a, clock.now(), actor.account_id)

    @router.post("/committee/agendas/{agenda_id}/verdict")
    async def verdict(agenda_id: str, body: VerdictBody, actor: CurrentActor) -> dict[str, Any]:
        a = await service.give_verdict(actor, agenda_id, body.verdict, body.reason)
        return staff_agenda(a, clock.now(), actor.account_id)

    @router.get("/items/{item_id}/committee")
    async def item_agenda(item_id: str) -> dict[str, Any]:
        return public_agenda(await service.agenda_of_item(item_id), clock.now())

    @router.get("/decisions")
    async def decisions(
        agency: Annotated[str | None, Query(max_length=64)] = None,
        status: AgendaStatus | None = None,
        after: Annotated[str | None, Query(max_length=64, description="id of the previous page's last")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        found = await service.decisions(agency, status, after, limit)
        return {
            "items": [public_agenda(a, clock.now()) for a in found],
            "next_after": found[-1].id if len(found) == limit else None,
        }

    @router.get("/items/{item_id}/execution")
    async def item_execution(item_id: str) -> dict[str, Any]:
        return execution_view(await service.execution(item_id))

    @router.get("/executions")
    async def executions(
        agency: Annotated[str | None, Query(max_length=64)] = None,
        status: ExecutionStatus | None = None,
        after: Annotated[str | None, Query(max_length=64, description="item_id of the previous page's last")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        found = await service.executions(agency, status, after, limit)
        return {
            "items": [execution_view(e) for e in found],
            "next_after": found[-1].item_id if len(found) == limit else None,
        }

    @router.post("/items/{item_id}/execution/budget")
    async def budget(item_id: str, body: BudgetBody, actor: CurrentActor) -> dict[str, Any]:
        return execution_view(await service.secure_budget(actor, item_id, body.source))

    @router.post("/items/{item_id}/execution/milestones")
    async def milestone(item_id: str, body: MilestoneBody, actor: CurrentActor) -> dict[str, Any]:
        e = await service.add_milestone(actor, item_id, body.title, body.progress_pct, body.note)
        return execution_view(e)

    @router.post("/items/{item_id}/execution/reports")
    async def report(item_id: str, body: ReportBody, actor: CurrentActor) -> dict[str, Any]:
        e = await service.add_report(actor, item_id, body.title, body.body, _uploads(body))
        return execution_view(e)

    @router.post("/items/{item_id}/execution/complete")
    async def complete(item_id: str, body: ReportBody, actor: CurrentActor) -> dict[str, Any]:
        e = await service.add_report(actor, item_id, body.title, body.body, _uploads(body), final=True)
        return execution_view(e)

    @router.get("/items/{item_id}/execution/files/{file_id}")
    async def file(item_id: str, file_id: str) -> Response:
        meta, data = await service.file(item_id, file_id)
        return Response(
            content=data,
            media_type=meta.media_type,
            headers={
                "Content-Disposition": content_disposition(meta.filename),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "public, max-age=86400, immutable",
            },
        )

    return router
