"""Operators' screens: the proposal list (tabs, filters, bulk hide and restore, Excel export),
the moderation queue, answer approval and reassignment, and statistics."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gongnon_contracts.reference import POLICY_CATEGORIES
from gongnon_gateway.api.deps import ID_PATTERN, ContextDep
from gongnon_gateway.console.common import Staff, back_to, outcome, page, posted_by_staff, staff_of
from gongnon_gateway.console.proposal_filters import (
    CASE_STATUSES,
    EXPORT_COLUMNS,
    SUPPORT_PRESETS,
    TABS,
    ListFilters,
    row_of,
)
from gongnon_gateway.console.xlsx import XLSX_TYPE, workbook
from gongnon_gateway.i18n import language_of, translate
from gongnon_gateway.site.routes import SiteUser

router = APIRouter(include_in_schema=False)
_ID = re.compile(ID_PATTERN)
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 10_000  # one export; a bigger list is narrowed with the filters first
BULK_MAX = 100
_BULK_DONE = {"hide": "hidden", "restore": "restored", "trash": "trashed"}
ACTIONS = {"hide": "숨김", "restore": "복원", "trash": "휴지통으로"}


async def _departments(staff: Staff, agency: str) -> list[dict[str, Any]]:
    return (await staff.api.get(f"/api/agencies/{agency}/departments")).items()


@router.get("/console/proposals", response_model=None)
async def proposals(request: Request, user: SiteUser, cursor: str = "") -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    lang = language_of(request.scope)
    agency = staff.agency_asked(request)
    filters = ListFilters.read(request.query_params)
    reply = await staff.api.get("/api/proposals", **filters.api_params(agency), limit=PAGE_SIZE, cursor=cursor[:400])
    rows = [row_of(card, lang) for card in reply.items()]
    next_cursor = reply.body.get("next_cursor") if reply.ok and isinstance(reply.body, dict) else None
    return page(
        request,
        staff.session,
        "console_proposals.html",
        filters=filters,
        tabs=TABS,
        tab_links={tab: urlencode(filters.query(tab=tab)) for tab in TABS},
        export_query=urlencode(filters.query()),
        next_query=urlencode(filters.query(cursor=next_cursor)) if next_cursor else "",
        rows=rows,
        columns=EXPORT_COLUMNS,
        failed=None if reply.ok else reply.error,
        departments=await _departments(staff, agency),
        categories={k: v.get(lang, v["ko"]) for k, v in POLICY_CATEGORIES.items()},
        support_presets=SUPPORT_PRESETS,
        back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.get("/console/proposals.xlsx", response_model=None)
async def proposals_export(request: Request, user: SiteUser) -> Response:
    """Exactly the filtered list, every page of it, in the list's order and columns."""
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    lang = language_of(request.scope)
    agency = staff.agency_asked(request)
    filters = ListFilters.read(request.query_params)
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(rows) < EXPORT_MAX_ROWS:
        reply = await staff.api.get("/api/proposals", **filters.api_params(agency), limit=100, cursor=cursor)
        if not reply.ok:
            return back_to("/console/proposals", error=reply, **filters.query())
        rows.extend(row_of(card, lang) for card in reply.items())
        cursor = reply.body.get("next_cursor") if isinstance(reply.body, dict) else None
        if not cursor:
            break
    header = [translate(label, lang) for _, label in EXPORT_COLUMNS]
    body = workbook(
        translate(TABS[filters.tab], lang), header, ([row[key] for key, _ in EXPORT_COLUMNS] for row in rows)
    )
    name = f"proposals-{agency}-{filters.tab}.xlsx"
    return Response(
        body,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/console/proposals/bulk", response_model=None)
async def proposals_bulk(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/console/proposals",
    ids: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    target = (
        back
        if back.startswith("/console/proposals") and "\\" not in back and "//" not in back
        else "/console/proposals"
    )
    path, _, query = target.partition("?")
    chosen = [i for i in (ids or []) if _ID.match(i)][:BULK_MAX]
    if action not in _BULK_DONE:
        return back_to(path, done="nothing_selected")
    if not chosen:
        return back_to(path, done="nothing_selected")
    for item_id in chosen:  # each act is its own audited moderation decision with the reason
        reply = await staff.api.call("POST", f"/api/moderation/proposal/{item_id}/{action}", json={"reason": reason})
        if not reply.ok:
            return back_to(path, error=reply, **dict(_pairs(query)))
    return back_to(path, done=_BULK_DONE[action], **dict(_pairs(query)))


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query) if k not in ("done", "error", "detail")]


@router.get("/console/moderation", response_model=None)
async def moderation(request: Request, user: SiteUser) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    agency = staff.agency_asked(request)
    reply = await staff.api.get("/api/moderation/queue", agency=agency, limit=100)
    return page(
        request,
        staff.session,
        "console_moderation.html",
        entries=reply.items(),
        actions=ACTIONS,
        failed=None if reply.ok else reply.error,
    )


@router.post("/console/moderation/{target_type}/{target_id}/{action}", response_model=None)
async def moderate(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    target_type: str,
    target_id: str,
    action: str,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    if target_type not in ("proposal", "comment") or action not in _BULK_DONE or not _ID.match(target_id):
        return back_to("/console/moderation", done="nothing_selected")
    reply = await staff.api.call("POST", f"/api/moderation/{target_type}/{target_id}/{action}", json={"reason": reason})
    return outcome(reply, "/console/moderation", "moderated")


@router.get("/console/answers", response_model=None)
async def answers(request: Request, user: SiteUser) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    agency = staff.agency_asked(request)
    waiting = await staff.api.get("/api/review/cases", status="awaiting_approval", limit=100)
    reassign = await staff.api.get("/api/review/cases", status="reassign_requested", limit=100)
    unassigned = await staff.api.get("/api/review/cases", status="unassigned", limit=100)
    return page(
        request,
        staff.session,
        "console_answers.html",
        waiting=waiting.items(),
        to_assign=reassign.items() + unassigned.items(),
        case_statuses=CASE_STATUSES,
        departments=await _departments(staff, agency),
        failed=next((r.error for r in (waiting, reassign, unassigned) if not r.ok), None),
    )


@router.post("/console/answers/{case_id}/{act}", response_model=None)
async def answer_decision(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    case_id: str,
    act: str,
    reason: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    bodies: dict[str, tuple[Any, str]] = {
        "approve": (None, "approved"),
        "return": ({"reason": reason}, "returned"),
        "assign": ({"department_id": department_id}, "assigned"),
    }
    if act not in bodies or not _ID.match(case_id):
        return back_to("/console/answers", done="nothing_selected")
    body, done = bodies[act]
    reply = await staff.api.call("POST", f"/api/review/cases/{case_id}/{act}", json=body)
    return outcome(reply, "/console/answers", done)


@router.get("/console/statistics", response_model=None)
async def statistics(request: Request, user: SiteUser) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    agency = staff.agency_asked(request)
    stats = await staff.api.get(f"/api/agencies/{agency}/department-stats")
    counts = {}
    for tab in TABS:  # one page per tab is enough to say "100+"
        reply = await staff.api.get("/api/proposals", status=tab, agency=agency, limit=100)
        counts[tab] = (
            len(reply.items()),
            bool(reply.ok and isinstance(reply.body, dict) and reply.body.get("next_cursor")),
        )
    rows = stats.items()
    longest = max((r.get("median_days_to_answer") or 0 for r in rows), default=0) or 1
    # Supports over time: the agency's total in each daily open-data snapshot, oldest first.
    days = (await staff.api.get("/api/open-data/snapshots")).items()
    over_time = [
        (str(d.get("day")), int(((d.get("by_agency") or {}).get(agency) or {}).get("supports", 0))) for d in days
    ][::-1]
    return page(
        request,
        staff.session,
        "console_statistics.html",
        departments=rows,
        longest=longest,
        counts=counts,
        tabs=TABS,
        widest=max((n for n, _ in counts.values()), default=0) or 1,
        over_time=over_time,
        most_supports=max((n for _, n in over_time), default=0) or 1,
        failed=None if stats.ok else stats.error,
    )


@router.get("/console/deliberations", response_model=None)
async def deliberations(request: Request, user: SiteUser) -> Response:
    """시민토론 and 서울시가 묻습니다: what is open and closed, and a form to ask the city's question."""
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    lang = language_of(request.scope)
    debates = await staff.api.get("/api/debates", limit=50)
    consultations = await staff.api.get("/api/consultations", limit=50)
    return page(
        request,
        staff.session,
        "console_deliberations.html",
        debates=debates.items(),
        consultations=consultations.items(),
        categories={k: v.get(lang, v["ko"]) for k, v in POLICY_CATEGORIES.items()},
        failed=next((r.error for r in (debates, consultations) if not r.ok), None),
    )


@router.post("/console/deliberations/consultations", response_model=None)
async def ask_the_city(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    yes_label: Annotated[str, Form()] = "",
    no_label: Annotated[str, Form()] = "",
    other_label: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "30",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A 찬반형 (choice) consultation: yes, no and, when labelled, other."""
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    labelled = (("yes", yes_label), ("no", no_label), ("other", other_label))
    payload = {
        "title": title,
        "body": body,
        "category": category,
        "vote_type": "choice",
        "options": [{"id": key, "label": text.strip()} for key, text in labelled if text.strip() or key != "other"],
        "days": int(days) if days.strip().isdigit() else days,
    }
    reply = await staff.api.call("POST", "/api/consultations", json=payload)
    return outcome(reply, "/console/deliberations", "consulted")
