"""Officers' and heads' case inbox and answer form, execution updates, and committee scoring."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gongnon_gateway.api.deps import ID_PATTERN, ContextDep
from gongnon_gateway.console.common import Staff, back_to, outcome, page, posted_by_staff, staff_of
from gongnon_gateway.console.proposal_filters import CASE_STATUSES, DECISIONS
from gongnon_gateway.site.routes import SiteUser

router = APIRouter(include_in_schema=False)
_ID = re.compile(ID_PATTERN)
AGENDA_STATUSES = {
    "scoring": "1차 심의(채점)",
    "not_selected": "선정되지 않음",
    "planning": "2차 심의(실행계획)",
    "awaiting_verdict": "3차 심의(적정성 판단)",
    "voting": "결정 투표 중",
    "discarded": "폐기",
    "executing": "실행 중",
    "rejected": "투표 부결",
}
CRITERIA = {
    "necessity": "당위성",
    "changeability": "변화성",
    "feasibility": "실행성",
    "impact": "파급성",
}


@router.get("/console", response_model=None)
async def home(request: Request, user: SiteUser) -> Response:
    if user is None or str(user.actor.role) == "citizen":
        staff = staff_of(request, user)  # sign in, or the refusal page for a citizen
        if not isinstance(staff, Staff):
            return staff
    assert user is not None
    return page(request, user, "console_home.html")


@router.get("/console/cases", response_model=None)
async def cases(request: Request, user: SiteUser, status: str = "") -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    department = staff.session.actor.department_id
    reply = await staff.api.get(
        "/api/review/cases", department_id=department, status=status if _ID.match(status or "-") else None, limit=200
    )
    items = sorted(reply.items(), key=lambda c: (c.get("status") == "published", str(c.get("due_at") or "")))
    return page(
        request,
        staff.session,
        "console_cases.html",
        cases=items,
        shown_status=status,
        case_statuses=CASE_STATUSES,
        failed=None if reply.ok else reply.error,
    )


@router.get("/console/cases/{case_id}", response_model=None)
async def case(request: Request, user: SiteUser, case_id: str) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    if not _ID.match(case_id):
        return back_to("/console/cases", done="nothing_selected")
    reply = await staff.api.get(f"/api/review/cases/{case_id}")
    if not reply.ok:
        return back_to("/console/cases", error=reply)
    found: dict[str, Any] = reply.body
    execution = await staff.api.get(f"/api/items/{found['item_id']}/execution")
    return page(
        request,
        staff.session,
        "console_case.html",
        case=found,
        decisions=DECISIONS,
        case_statuses=CASE_STATUSES,
        execution=execution.body if execution.ok else None,
    )


@router.post("/console/cases/{case_id}/answer", response_model=None)
async def answer(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    case_id: str,
    decision: Annotated[str, Form()] = "",
    answer_text: Annotated[str, Form(alias="answer")] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    here = f"/console/cases/{case_id}" if _ID.match(case_id) else "/console/cases"
    body = {"decision": decision, "answer": answer_text, "reason": reason.strip() or None}
    reply = await staff.api.call("POST", f"/api/review/cases/{case_id}/answer", json=body)
    return outcome(reply, here, "answered")


@router.post("/console/cases/{case_id}/reassign", response_model=None)
async def reassign(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    case_id: str,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    here = f"/console/cases/{case_id}" if _ID.match(case_id) else "/console/cases"
    reply = await staff.api.call("POST", f"/api/review/cases/{case_id}/reassign-request", json={"reason": reason})
    return outcome(reply, here, "reassign_requested")


@router.post("/console/cases/{case_id}/milestone", response_model=None)
async def milestone(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    case_id: str,
    item_id: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    progress_pct: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    here = f"/console/cases/{case_id}" if _ID.match(case_id) else "/console/cases"
    if not _ID.match(item_id):
        return back_to(here, done="nothing_selected")
    pct: Any = int(progress_pct) if progress_pct.strip().isdigit() else progress_pct
    reply = await staff.api.call(
        "POST", f"/api/items/{item_id}/execution/milestones", json={"title": title, "progress_pct": pct}
    )
    return outcome(reply, here, "progressed")


@router.get("/console/committee", response_model=None)
async def committee(request: Request, user: SiteUser) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    reply = await staff.api.get("/api/committee/agendas", limit=100)
    return page(
        request,
        staff.session,
        "console_committee.html",
        agendas=reply.items(),
        criteria=CRITERIA,
        agenda_statuses=AGENDA_STATUSES,
        scale=range(1, 6),
        may_score=staff.role == "committee",
        failed=None if reply.ok else reply.error,
    )


@router.post("/console/committee/{agenda_id}/scores", response_model=None)
async def score(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    agenda_id: str,
    necessity: Annotated[str, Form()] = "",
    changeability: Annotated[str, Form()] = "",
    feasibility: Annotated[str, Form()] = "",
    impact: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    if not _ID.match(agenda_id):
        return back_to("/console/committee", done="nothing_selected")
    given = {"necessity": necessity, "changeability": changeability, "feasibility": feasibility, "impact": impact}
    scores = {k: int(v) if v.isdigit() else v for k, v in given.items()}  # the API refuses what is no 1–5
    body = {"scores": scores, "comment": comment}
    reply = await staff.api.call("POST", f"/api/committee/agendas/{agenda_id}/scores", json=body)
    return outcome(reply, "/console/committee", "scored")
