"""The public pages of debates (시민토론) and city consultations (서울시가 묻습니다): lists, the
item page with the vote UI of its type, D-day and the published results, and the vote form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.site import views
from gongnon_gateway.site.deliberation_views import (
    KINDS,
    VOTE_MESSAGES,
    DeliberationCard,
    DeliberationPage,
    choices_from_form,
    page_path,
)
from gongnon_gateway.site.routes import (
    _ID,
    SiteUser,
    _failed_page,
    _login_redirect,
    _not_found,
    _optional_panel,
    _redirect,
    citizen_refusal,
    render,
)
from gongnon_gateway.site.timeline_views import TimelineEntry
from gongnon_gateway.upstream import Service

router = APIRouter(include_in_schema=False)


async def _list(request: Request, ctx: ContextDep, user: SiteUser, kind: str, cursor: str) -> HTMLResponse:
    params = {"limit": 20, "cursor": cursor if _ID.match(cursor) else ""}
    reply = await ctx.upstream.request(Service.PROPOSAL, "GET", KINDS[kind][1], params=params)
    payload = reply.json() if reply.ok else {}
    now = ctx.runtime.clock.now()
    return render(
        request,
        "deliberations.html",
        user,
        kind=kind,
        kind_label=KINDS[kind][0],
        items=[DeliberationCard.of(d, now) for d in views.items_of(payload)],
        next_cursor=payload.get("next_cursor") if isinstance(payload, dict) else None,
        list_failed=not reply.ok,
    )


@router.get("/debates", response_class=HTMLResponse)
async def debates(request: Request, ctx: ContextDep, user: SiteUser, cursor: str = "") -> HTMLResponse:
    return await _list(request, ctx, user, "debate", cursor)


@router.get("/consultations", response_class=HTMLResponse)
async def consultations(request: Request, ctx: ContextDep, user: SiteUser, cursor: str = "") -> HTMLResponse:
    return await _list(request, ctx, user, "consultation", cursor)


async def _page(request: Request, ctx: ContextDep, user: SiteUser, kind: str, item_id: str) -> HTMLResponse:
    if not _ID.match(item_id):
        return _not_found(request, user)
    reply = await ctx.upstream.request(Service.PROPOSAL, "GET", f"{KINDS[kind][1]}/{item_id}")
    if reply.status == 404:
        return _not_found(request, user)
    if not reply.ok or not isinstance(reply.json(), dict):
        return _failed_page(request, user, reply)
    now = ctx.runtime.clock.now()
    item = DeliberationPage.of(reply.json(), now)
    actor = user.actor if user else None
    code = request.query_params.get("m", "")
    timeline = await _optional_panel(ctx, Service.PROPOSAL, f"/deliberations/{item_id}/timeline", actor)
    cases = await _optional_panel(ctx, Service.REVIEW, f"/items/{item_id}/cases", actor)
    return render(
        request,
        "deliberation.html",
        user,
        message=VOTE_MESSAGES.get(code) or views.MESSAGES.get(code),
        item_id=item_id,
        item=item,
        timeline=None if timeline is None else [TimelineEntry.of(d) for d in views.items_of(timeline)],
        cases=None if cases is None else [views.CaseView.of(d, now) for d in views.items_of(cases)],
    )


@router.get("/debates/{item_id}", response_class=HTMLResponse)
async def debate_page(request: Request, item_id: str, ctx: ContextDep, user: SiteUser) -> HTMLResponse:
    return await _page(request, ctx, user, "debate", item_id)


@router.get("/consultations/{item_id}", response_class=HTMLResponse)
async def consultation_page(request: Request, item_id: str, ctx: ContextDep, user: SiteUser) -> HTMLResponse:
    return await _page(request, ctx, user, "consultation", item_id)


@router.post("/items/{item_id}/vote", response_model=None)
async def vote(request: Request, item_id: str, ctx: ContextDep, user: SiteUser) -> Response:
    """The vote form of every type; the result comes back as a flash message on the page."""
    if not _ID.match(item_id):
        return _not_found(request, user)
    raw = await request.form()
    form: dict[str, list[str]] = {k: [str(v) for v in raw.getlist(k)] for k in raw}
    kind = (form.get("kind") or ["consultation"])[0]
    back = page_path(kind if kind in KINDS else "consultation", item_id)
    refused = citizen_refusal(ctx, user, (form.get("csrf") or [""])[0], back)
    if refused is not None or user is None:
        return refused or _login_redirect(back)
    vote_type = (form.get("vote_type") or [""])[0]
    body: dict[str, Any] = {"choices": choices_from_form(vote_type, form)[:64]}
    reply = await ctx.upstream.request(
        Service.VOTING, "POST", f"/items/{item_id}/votes", actor=user.actor, json_body=body
    )
    code = reply.error_code()
    if reply.ok:
        m = "voted"
    elif code == "already_voted":
        m = "already"
    elif code in ("voting_closed", "voting_not_open"):
        m = "closed"
    elif reply.status == 422:
        m = "invalid"
    elif reply.status == 404:
        m = "not_votable"
    else:
        m = "vote_failed"
    return _redirect(f"{back}?m={m}")
