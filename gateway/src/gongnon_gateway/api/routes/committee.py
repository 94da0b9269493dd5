"""제안실현위원회 and 실행 (seed 001): operators put accepted proposals on the committee's agenda,
members score them, operators select by score, the plan is written, the executing department
judges it (적정 opens the decision vote), and the department reports execution to completion.
All of it is public on the item's page and timeline; review-svc decides who may act."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from gongnon_gateway.api.committee_schemas import (
    REF,
    AgendaListOut,
    AgendaOut,
    BudgetIn,
    DecisionPageOut,
    ExecutionOut,
    ExecutionPageOut,
    MilestoneIn,
    PlanIn,
    ReportIn,
    ScoresIn,
    SelectionIn,
    SelectionOut,
    VerdictIn,
)
from gongnon_gateway.api.deps import AGENCY_PATTERN, CaseIdPath, CurrentAccount, ItemIdPath, UpstreamDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["committee and execution"], responses=ERROR_RESPONSES)
_FILE_TYPES = ("application/pdf", "image/png", "image/jpeg")

AgendaIdPath = Annotated[str, Path(pattern=REF, description="The agenda item id")]
FileIdPath = Annotated[str, Path(pattern=REF, description="The attachment id")]
AgendaStatus = Annotated[
    str | None,
    Query(
        pattern="^(scoring|not_selected|planning|awaiting_verdict|voting|discarded|executing|rejected)$",
        description="Only items in this state",
    ),
]


@router.post("/api/review/cases/{case_id}/committee", response_model=AgendaOut)
async def flag_for_committee(case_id: CaseIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator: put the case's accepted proposal (수용, 부분수용, published) on the committee's
    agenda (이슈 등록). Asking again answers the same agenda item."""
    return await up.forward(Service.REVIEW, "POST", f"/cases/{case_id}/committee", actor=me)


@router.get("/api/committee/agendas", response_model=AgendaListOut)
async def list_agendas(
    me: CurrentAccount,
    up: UpstreamDep,
    status: AgendaStatus = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Response:
    """Committee members and operators: the agency's agenda; officers: the plans their department judges."""
    params = {"status": status, "limit": limit}
    return await up.forward(Service.REVIEW, "GET", "/committee/agendas", actor=me, params=params)


@router.get("/api/committee/agendas/{agenda_id}", response_model=AgendaOut)
async def get_agenda(agenda_id: AgendaIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(Service.REVIEW, "GET", f"/committee/agendas/{agenda_id}", actor=me)


@router.post("/api/committee/agendas/{agenda_id}/scores", response_model=AgendaOut)
async def score_agenda(agenda_id: AgendaIdPath, body: ScoresIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Committee member of the item's agency: score the four criteria 1-5 (1차 심의). Scoring
    again replaces the member's own sheet, until the round's selection."""
    payload = {"scores": body.scores.model_dump(), "comment": body.comment}
    path = f"/committee/agendas/{agenda_id}/scores"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=payload)


@router.post("/api/committee/selection", response_model=SelectionOut)
async def select_agendas(body: SelectionIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator: close the round: every scored item of the agency is ranked by its mean total;
    the best `top_n` with at least `min_average` and `min_scorers` sheets are selected."""
    return await up.forward(Service.REVIEW, "POST", "/committee/selection", actor=me, json_body=body.model_dump())


@router.post("/api/committee/agendas/{agenda_id}/plan", response_model=AgendaOut)
async def submit_plan(agenda_id: AgendaIdPath, body: PlanIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Committee member or operator: the execution plan (2차 심의); the executing department
    then has 10 days for its verdict. A plan sent back (수정) is written again here."""
    payload = body.model_dump(exclude_none=True)
    return await up.forward(Service.REVIEW, "POST", f"/committee/agendas/{agenda_id}/plan", actor=me, json_body=payload)


@router.post("/api/committee/agendas/{agenda_id}/verdict", response_model=AgendaOut)
async def give_verdict(agenda_id: AgendaIdPath, body: VerdictIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the executing department (3차 심의): fit (적정) opens the decision vote with the
    plan's budget; revise (수정) sends the plan back; discard (폐기) closes with a public reason."""
    path = f"/committee/agendas/{agenda_id}/verdict"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.get("/api/items/{item_id}/committee", response_model=AgendaOut)
async def item_committee(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """Public: the item's way through the committee (scores in aggregate, plan, verdict)."""
    return await up.forward(Service.REVIEW, "GET", f"/items/{item_id}/committee")


@router.get("/api/decisions", response_model=DecisionPageOut)
async def list_decisions(
    up: UpstreamDep,
    agency: Annotated[str | None, Query(pattern=AGENCY_PATTERN)] = None,
    status: AgendaStatus = None,
    after: Annotated[str | None, Query(pattern=REF, description="next_after of the previous page")] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Response:
    """Public (결정): what the committee selected, newest first: its plan, the executing
    department's verdict, the decision vote it went to and how it ended."""
    params = {"agency": agency, "status": status, "after": after, "limit": limit}
    return await up.forward(Service.REVIEW, "GET", "/decisions", params=params)


@router.get("/api/items/{item_id}/execution", response_model=ExecutionOut)
async def item_execution(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """Public: the item's execution, its milestones and reports."""
    return await up.forward(Service.REVIEW, "GET", f"/items/{item_id}/execution")


@router.get("/api/executions", response_model=ExecutionPageOut)
async def list_executions(
    up: UpstreamDep,
    agency: Annotated[str | None, Query(pattern=AGENCY_PATTERN)] = None,
    status: Annotated[str | None, Query(pattern="^(budgeting|in_progress|completed)$")] = None,
    after: Annotated[str | None, Query(pattern=REF, description="next_after of the previous page")] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Response:
    """Public: what is being carried out and what was completed (실행)."""
    params = {"agency": agency, "status": status, "after": after, "limit": limit}
    return await up.forward(Service.REVIEW, "GET", "/executions", params=params)


@router.post("/api/items/{item_id}/execution/budget", response_model=ExecutionOut)
async def secure_budget(item_id: ItemIdPath, body: BudgetIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the executing department: the budget is secured (자체예산, 시민참여예산); work starts."""
    path = f"/items/{item_id}/execution/budget"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.post("/api/items/{item_id}/execution/milestones", response_model=ExecutionOut)
async def add_milestone(item_id: ItemIdPath, body: MilestoneIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the executing department: a milestone with the progress in per cent."""
    path = f"/items/{item_id}/execution/milestones"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.post("/api/items/{item_id}/execution/reports", response_model=ExecutionOut)
async def add_report(item_id: ItemIdPath, body: ReportIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the executing department: a progress report, with up to 5 attachments (PDF, PNG
    or JPEG, 5 MB each, in base64)."""
    path = f"/items/{item_id}/execution/reports"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.post("/api/items/{item_id}/execution/complete", response_model=ExecutionOut)
async def complete(item_id: ItemIdPath, body: ReportIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the executing department: the final report (실행 결과서); execution is complete."""
    path = f"/items/{item_id}/execution/complete"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.get(
    "/api/items/{item_id}/execution/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _FILE_TYPES}}},
)
async def attachment(item_id: ItemIdPath, file_id: FileIdPath, up: UpstreamDep) -> Response:
    """Public: a report's attachment, always as a download with the type its bytes showed."""
    reply = await up.request(Service.REVIEW, "GET", f"/items/{item_id}/execution/files/{file_id}")
    if not reply.ok:
        return reply.to_response()
    return Response(
        content=reply.body,
        media_type=reply.content_type,
        headers={
            "Content-Disposition": reply.disposition or "attachment",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
