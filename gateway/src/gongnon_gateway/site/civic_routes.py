"""The public pages of 결정 (what the committee selected and citizens decide) and 실행 (what is
being carried out and what was completed), and the decision vote's form on an item's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.site import views
from gongnon_gateway.site.civic_views import AgendaView, ExecutionView
from gongnon_gateway.site.routes import _ID, SiteUser, _login_redirect, _not_found, _redirect, citizen_refusal, render
from gongnon_gateway.upstream import Service

router = APIRouter(include_in_schema=False)
PAGE = 30
DECISION_FILTERS = {
    "": "전체",
    "voting": "결정 투표 중",
    "executing": "실행 결정",
    "rejected": "부결",
    "discarded": "폐기됨",
}
EXECUTION_FILTERS = {"": "전체", "budgeting": "예산 확보 중", "in_progress": "실행 중", "completed": "실행 완료"}


LISTS = {
    "decisions": ("/decisions", "decisions.html", DECISION_FILTERS, AgendaView.of),
    "executions": ("/executions", "executions.html", EXECUTION_FILTERS, ExecutionView.of),
}


async def _page(request: Request, ctx: ContextDep, user: SiteUser, name: str, status: str, after: str) -> HTMLResponse:
    path, template, filters, view = LISTS[name]
    status = status if status in filters else ""
    params: dict[str, Any] = {"agency": ctx.settings.default_agency, "status": status, "limit": PAGE}
    if after and _ID.match(after):
        params["after"] = after
    reply = await ctx.upstream.request(Service.REVIEW, "GET", path, params=params)
    payload = reply.json() if reply.ok else {}
    return render(
        request,
        template,
        user,
        items=[view(d) for d in views.items_of(payload)],
        filters=filters,
        chosen=status,
        base=path,
        next_after=(payload or {}).get("next_after"),
        failed=not reply.ok,
    )


@router.get("/decisions", response_class=HTMLResponse)
async def decisions(
    request: Request, ctx: ContextDep, user: SiteUser, status: str = "", after: str = ""
) -> HTMLResponse:
    return await _page(request, ctx, user, "decisions", status, after)


@router.get("/executions", response_class=HTMLResponse)
async def executions(
    request: Request, ctx: ContextDep, user: SiteUser, status: str = "", after: str = ""
) -> HTMLResponse:
    return await _page(request, ctx, user, "executions", status, after)


@router.post("/proposals/{item_id}/decision-vote", response_model=None)
async def decision_vote(
    request: Request,
    item_id: str,
    ctx: ContextDep,
    user: SiteUser,
    choice: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """찬성 or 반대 on the item's decision vote; the outcome comes back as a flash message."""
    if not _ID.match(item_id):
        return _not_found(request, user)
    back = f"/proposals/{item_id}"
    refused = citizen_refusal(ctx, user, csrf, back)
    if refused is not None or user is None:
        return refused or _login_redirect(back)
    if choice not in ("yes", "no"):
        return _redirect(f"{back}?m=action_failed")
    reply = await ctx.upstream.request(
        Service.VOTING, "POST", f"/items/{item_id}-decision/votes", actor=user.actor, json_body={"choices": [choice]}
    )
    code = reply.error_code()
    if reply.ok:
        m = "decision_voted"
    elif code == "already_voted":
        m = "decision_already"
    elif code in ("voting_closed", "voting_not_open") or reply.status == 404:
        m = "decision_closed"
    else:
        m = "action_failed"
    return _redirect(f"{back}?m={m}")
