"""The public site: pages rendered on the server, forms with a cookie session, in Korean and
(under `/en`) English: the texts here are Korean and the templates translate them.

Every page survives a service outage: the main data failing gives a friendly page with 503
(see `error_pages.py`); secondary panels show a note instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import DomainError, TooMany, status_of
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS
from gongnon_gateway.api.deps import ID_PATTERN, SESSION_COOKIE, ContextDep
from gongnon_gateway.api.limit_deps import guard_for, limit_person
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.core.identity import IdentityClaim
from gongnon_gateway.core.security import TokenError
from gongnon_gateway.counters import read_counters
from gongnon_gateway.i18n import language_of, switched
from gongnon_gateway.site import agency_form, views
from gongnon_gateway.site.civic_views import AgendaView, DecisionVoteView, ExecutionView
from gongnon_gateway.site.community_views import community_panels
from gongnon_gateway.site.origin import same_origin
from gongnon_gateway.site.phrases import Phrase
from gongnon_gateway.site.templating import templates
from gongnon_gateway.site.timeline_views import TimelineEntry
from gongnon_gateway.upstream import Service, UpstreamProblem, UpstreamReply

router = APIRouter(include_in_schema=False)
_ID = re.compile(ID_PATTERN)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CROSS_SITE = "다른 사이트에서 보낸 요청은 받지 않습니다. 이 페이지에서 다시 시도해 주세요."
# What the forms say when they cannot go on (the templates translate them).
FORM_ERRORS = {
    "expired": "요청이 만료되었습니다. 다시 시도해 주세요.",
    "proposal_fields": "제목, 내용, 정책분류를 모두 입력해 주세요.",
    "proposal_unverified": "본인인증을 마친 시민만 제안할 수 있습니다.",
    "proposal_failed": "제안을 등록하지 못했습니다: {reason}",
    "login_failed": "이메일 또는 비밀번호가 맞지 않습니다.",
    "email_invalid": "올바른 이메일 주소를 입력해 주세요.",
    "name_invalid": "닉네임을 1~40자로 입력해 주세요.",
    "password_short": "비밀번호는 8자 이상이어야 합니다.",
    "email_taken": "이미 가입된 이메일입니다.",
    "register_failed": "가입하지 못했습니다.",
    "birth_date_invalid": "생년월일을 YYYY-MM-DD 형식으로 입력해 주세요.",
    "identity_invalid": "입력하신 정보를 확인해 주세요.",
    "already_verified": "이 계정은 이미 다른 사람으로 인증되었습니다.",
    "forbidden": "운영 계정은 본인인증 대상이 아닙니다.",
    "verify_failed": "본인인증을 하지 못했습니다.",
}


@dataclass(frozen=True)
class SiteSession:
    actor: Actor
    token: str
    csrf: str


async def _site_session(request: Request, ctx: ContextDep) -> SiteSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        actor = ctx.tokens.verify(token)
    except TokenError:
        return None  # expired or from an old secret: simply signed out
    return SiteSession(actor=actor, token=token, csrf=ctx.tokens.csrf_token(token))


SiteUser = Annotated[SiteSession | None, Depends(_site_session)]


def render(request: Request, name: str, user: SiteSession | None, status: int = 200, **context: Any) -> HTMLResponse:
    code = request.query_params.get("m", "")
    context.setdefault("message", views.MESSAGES.get(code))
    lang = language_of(request.scope)
    context.update(
        user=user,
        csrf=user.csrf if user else "",
        path=request.url.path,
        lang=lang,
        switch_url=switched(request.url.path, request.url.query, "ko" if lang == "en" else "en"),
    )
    return templates.TemplateResponse(request, name, context, status_code=status)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our domain. Browsers
    # drop tabs and newlines and read "\\" as "/", so "/\t/evil" would become "//evil".
    if not target or not target.startswith("/") or "\\" in target or any(ord(c) < 0x21 for c in target):
        return "/"
    return "/" if target.startswith("//") else target


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _login_redirect(next_path: str) -> RedirectResponse:
    return _redirect(f"/login?next={quote(next_path)}")


def _with_session(response: Response, ctx: GatewayContext, token: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ctx.settings.token_ttl_s,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        path="/",
    )
    return response


def _not_found(request: Request, user: SiteSession | None) -> HTMLResponse:
    return _error(request, user, 404)


def _error(request: Request, user: SiteSession | None, status: int) -> HTMLResponse:
    title, detail = views.error_text(status)
    return render(request, "error.html", user, status=status, title=title, detail=detail)


# --- home and proposals ------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    tab: str = "latest",
    category: str = "",
    district: str = "",
    hashtag: str = "",
    cursor: str = "",
) -> HTMLResponse:
    sort = "popular" if tab == "popular" else "latest"
    category = category if category in POLICY_CATEGORIES else ""
    district = district if district in SEOUL_DISTRICTS else ""
    hashtag = hashtag.strip().lstrip("#").strip()[:30]
    params = {
        "sort": sort,
        "category": category,
        "district": district,
        "hashtag": hashtag,
        "limit": 20,
        "cursor": cursor[:200],
    }
    reply = await ctx.upstream.request(
        Service.PROPOSAL, "GET", "/proposals", actor=user.actor if user else None, params=params
    )
    payload = reply.json() if reply.ok else {}
    cards = [views.ProposalCard.of(d) for d in views.items_of(payload)]
    next_cursor = payload.get("next_cursor") if isinstance(payload, dict) else None
    counters = await read_counters(ctx.runtime.db, ctx.settings.default_agency)
    return render(
        request,
        "home.html",
        user,
        counters=counters,
        proposals=cards,
        tab=sort,
        category=category,
        categories=POLICY_CATEGORIES,
        district=district,
        districts=SEOUL_DISTRICTS,
        hashtag=hashtag,
        next_cursor=next_cursor,
        list_failed=not reply.ok,
    )


@router.get("/proposals/new", response_class=HTMLResponse, response_model=None)
async def new_proposal_form(request: Request, user: SiteUser, agency: str = "") -> Response:
    if user is None:
        return _login_redirect("/proposals/new" + (f"?agency={quote(agency[:40])}" if agency else ""))
    choices = await agency_form.agency_choices(request, agency or user.actor.agency)
    return render(
        request, "new_proposal.html", user, categories=POLICY_CATEGORIES, districts=SEOUL_DISTRICTS, form={}, **choices
    )


@router.post("/proposals/new", response_class=HTMLResponse, response_model=None)
async def new_proposal(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    district: Annotated[str, Form()] = "",
    agency: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return _login_redirect("/proposals/new")
    form = {"title": title, "body": body, "category": category, "district": district}
    choices = await agency_form.agency_choices(request, agency)

    def again(error: str | Phrase, status: int) -> HTMLResponse:
        return render(
            request,
            "new_proposal.html",
            user,
            status=status,
            categories=POLICY_CATEGORIES,
            districts=SEOUL_DISTRICTS,
            form=form,
            error=error,
            **choices,
        )

    if not ctx.tokens.check_csrf(user.token, csrf):
        return again(FORM_ERRORS["expired"], 403)
    if not title.strip() or not body.strip() or category not in POLICY_CATEGORIES:
        return again(FORM_ERRORS["proposal_fields"], 422)
    payload: dict[str, Any] = {"title": title.strip()[:300], "body": body.strip()[:50_000], "category": category}
    if district in SEOUL_DISTRICTS:
        payload["district"] = district
    if agency:  # filed under a partner agency (기관); none: the host
        problem = await agency_form.open_agency_problem(request, agency, language_of(request.scope))
        if problem:
            return again(problem, 409)
        payload["agency"] = agency
    await limit_person(request, "items", user.actor)  # the API's per-account limit (429 page)
    reply = await ctx.upstream.request(Service.PROPOSAL, "POST", "/proposals", actor=user.actor, json_body=payload)
    if not reply.ok:
        if reply.status == 403:
            return again(FORM_ERRORS["proposal_unverified"], 403)
        reason = reply.error_message() or str(reply.status)
        return again(Phrase(FORM_ERRORS["proposal_failed"], {"reason": reason}), reply.status)
    created = reply.json() or {}
    item_id = str(created.get("id") or created.get("item_id") or "")
    return _redirect(f"/proposals/{quote(item_id)}?m=proposed" if item_id else "/?m=proposed")


async def _optional_panel(ctx: GatewayContext, service: Service, path: str, actor: Actor | None) -> Any:
    """Secondary data: None when the service cannot answer, so the page still renders."""
    try:
        reply = await ctx.upstream.request(service, "GET", path, actor=actor)
    except UpstreamProblem:
        return None
    return reply.json() if reply.ok else None


async def civic_panels(ctx: GatewayContext, item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """The committee, decision vote and execution panels; the services are asked only when the
    item got that far (its `civic` record and decision vote, kept by proposal-svc)."""
    civic = item.get("civic") if isinstance(item.get("civic"), dict) else {}
    agenda = execution = None
    if civic and civic.get("agenda_id"):
        found = await _optional_panel(ctx, Service.REVIEW, f"/items/{item_id}/committee", None)
        agenda = AgendaView.of(found) if isinstance(found, dict) else None
    if civic and civic.get("execution_status"):
        found = await _optional_panel(ctx, Service.REVIEW, f"/items/{item_id}/execution", None)
        execution = ExecutionView.of(found) if isinstance(found, dict) else None
    return {"agenda": agenda, "decision": DecisionVoteView.of(item.get("decision_vote")), "execution": execution}


@router.get("/proposals/{item_id}", response_class=HTMLResponse)
async def proposal_page(request: Request, item_id: str, ctx: ContextDep, user: SiteUser) -> HTMLResponse:
    if not _ID.match(item_id):
        return _not_found(request, user)
    actor = user.actor if user else None
    reply = await ctx.upstream.request(Service.PROPOSAL, "GET", f"/proposals/{item_id}", actor=actor)
    if reply.status == 404 and reply.error_code() == "proposal_hidden":
        # Taken out of public view by an operator: a placeholder, and the timeline that says why.
        timeline = await _optional_panel(ctx, Service.PROPOSAL, f"/proposals/{item_id}/timeline", actor)
        entries = None if timeline is None else [TimelineEntry.of(d) for d in views.items_of(timeline)]
        return render(request, "proposal_hidden.html", user, status=404, item_id=item_id, timeline=entries)
    if reply.status == 404:
        return _not_found(request, user)
    if not reply.ok or not isinstance(reply.json(), dict):
        return _failed_page(request, user, reply)
    now = ctx.runtime.clock.now()
    proposal = views.ProposalDetail.of(reply.json(), now)
    timeline = await _optional_panel(ctx, Service.PROPOSAL, f"/proposals/{item_id}/timeline", actor)
    cases = await _optional_panel(ctx, Service.REVIEW, f"/items/{item_id}/cases", actor)
    agency = await agency_form.partner_agency(request, reply.json().get("agency"))
    civic = await civic_panels(ctx, item_id, reply.json())
    return render(
        request,
        "proposal.html",
        user,
        item_id=item_id,
        proposal=proposal,
        agency=agency,
        home=f"/a/{agency.id}/" if agency else "/",
        timeline=None if timeline is None else [TimelineEntry.of(d) for d in views.items_of(timeline)],
        cases=None if cases is None else [views.CaseView.of(d, now) for d in views.items_of(cases)],
        **await community_panels(ctx, item_id, actor, reply.json()),
        **civic,
    )


def citizen_refusal(ctx: GatewayContext, user: SiteSession | None, csrf: str, back: str) -> Response | None:
    """Where a citizen's vote form sends the caller instead (sign in, an expired form, identity
    verification), or None when a verified citizen may vote."""
    if user is None:
        return _login_redirect(back)
    if not ctx.tokens.check_csrf(user.token, csrf):
        return _redirect(f"{back}?m=expired")
    if user.actor.citizen_key is None:
        return _redirect(f"/verify?next={quote(back)}")
    return None


@router.post("/proposals/{item_id}/support", response_model=None)
async def support(
    request: Request, item_id: str, ctx: ContextDep, user: SiteUser, csrf: Annotated[str, Form()] = ""
) -> Response:
    if not _ID.match(item_id):
        return _not_found(request, user)
    back = f"/proposals/{item_id}"
    refused = citizen_refusal(ctx, user, csrf, back)
    if refused is not None or user is None:
        return refused or _login_redirect(back)
    reply = await ctx.supports.reply(item_id, user.actor)
    if reply.ok:
        code = "supported"
    elif reply.error_code() == "already_voted":
        code = "already"
    elif reply.status == 404:
        code = "not_votable"
    else:
        code = "vote_failed"
    return _redirect(f"{back}?m={code}")


# --- account pages -----------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, user: SiteUser, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", user, next=_safe_next(next), email="")


@router.post("/login", response_model=None)
async def login(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = _safe_next(next)
    if not same_origin(request):  # another site's form would sign the visitor in to its account
        return render(request, "login.html", user, status=403, next=target, email="", error=CROSS_SITE)
    try:
        account = await guard_for(request, ctx.accounts).login(email[:254], password[:256])
    except TooMany:
        raise  # the rate limits' 429 page, with Retry-After
    except DomainError:
        return render(
            request,
            "login.html",
            user,
            status=401,
            next=target,
            email=email,
            error=FORM_ERRORS["login_failed"],
        )
    token = ctx.tokens.issue(account.actor())
    sep = "&" if "?" in target else "?"
    return _with_session(_redirect(f"{target}{sep}m=logged_in"), ctx, token)


@router.post("/logout", response_model=None)
async def logout(user: SiteUser, ctx: ContextDep, csrf: Annotated[str, Form()] = "") -> Response:
    response = _redirect("/?m=logged_out")
    if user is not None and ctx.tokens.check_csrf(user.token, csrf):
        # Revoked, not only forgotten by this browser: a copy of the cookie is refused too.
        if ctx.sessions is not None:
            try:
                session = ctx.tokens.open(user.token)
            except TokenError:
                pass  # it expired a moment ago: nothing left to revoke
            else:
                await ctx.sessions.revoke_token(session.actor.account_id, session.jti, session.exp)
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/register", response_class=HTMLResponse)
async def register_form(request: Request, user: SiteUser) -> HTMLResponse:
    return render(request, "register.html", user, form={})


@router.post("/register", response_model=None)
async def register(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = {"email": email, "display_name": display_name}
    if not same_origin(request):  # registering signs in too: another site's form must not
        return render(request, "register.html", user, status=403, form={}, error=CROSS_SITE)
    error = None
    if not _EMAIL.match(email.strip()) or len(email) > 254:
        error = FORM_ERRORS["email_invalid"]
    elif not display_name.strip() or len(display_name.strip()) > 40:
        error = FORM_ERRORS["name_invalid"]
    elif not 8 <= len(password) <= 256:
        error = FORM_ERRORS["password_short"]
    if error is None:
        try:
            account = await guard_for(request, ctx.accounts).register(email, password, display_name)
        except TooMany:
            raise
        except DomainError as exc:
            error = FORM_ERRORS["email_taken"] if exc.code == "email_taken" else FORM_ERRORS["register_failed"]
    if error is not None:
        return render(request, "register.html", user, status=422, form=form, error=error)
    return _with_session(_redirect("/verify?m=welcome"), ctx, ctx.tokens.issue(account.actor()))


@router.get("/verify", response_class=HTMLResponse, response_model=None)
async def verify_form(request: Request, user: SiteUser, next: str = "/") -> Response:
    if user is None:
        return _login_redirect("/verify")
    return render(request, "verify.html", user, next=_safe_next(next), form={})


@router.post("/verify", response_model=None)
async def verify(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    name: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return _login_redirect("/verify")
    target = _safe_next(next)
    form = {"name": name, "birth_date": birth_date, "phone": phone}

    def again(error: str, status: int) -> HTMLResponse:
        return render(request, "verify.html", user, status=status, next=target, form=form, error=error)

    if not ctx.tokens.check_csrf(user.token, csrf):
        return again(FORM_ERRORS["expired"], 403)
    try:
        claim = IdentityClaim(name=name[:50], birth_date=views.date_of(birth_date), phone=phone[:20])
    except ValueError:
        return again(FORM_ERRORS["birth_date_invalid"], 422)
    try:
        account = await guard_for(request, ctx.accounts).verify(user.actor.account_id, claim)
    except TooMany:
        raise
    except DomainError as exc:
        known = exc.code in ("identity_invalid", "already_verified", "forbidden")
        return again(FORM_ERRORS[exc.code if known else "verify_failed"], status_of(exc))
    sep = "&" if "?" in target else "?"
    return _with_session(_redirect(f"{target}{sep}m=verified"), ctx, ctx.tokens.issue(account.actor()))


@router.get("/inbox", response_class=HTMLResponse, response_model=None)
async def inbox(request: Request, ctx: ContextDep, user: SiteUser) -> Response:
    if user is None:
        return _login_redirect("/inbox")
    reply = await ctx.upstream.request(Service.NOTIFY, "GET", "/inbox", actor=user.actor)
    if not reply.ok:
        return _failed_page(request, user, reply)
    payload = reply.json()
    items = [views.NotificationView.of(d) for d in views.items_of(payload)]
    unread = payload.get("unread", 0) if isinstance(payload, dict) else 0
    return render(request, "inbox.html", user, items=items, unread=unread)


@router.post("/inbox/{notification_id}/read", response_model=None)
async def inbox_read(
    request: Request, notification_id: str, ctx: ContextDep, user: SiteUser, csrf: Annotated[str, Form()] = ""
) -> Response:
    if user is None:
        return _login_redirect("/inbox")
    if not _ID.match(notification_id):
        return _not_found(request, user)
    if not ctx.tokens.check_csrf(user.token, csrf):
        return _redirect("/inbox?m=expired")
    await ctx.upstream.request(Service.NOTIFY, "POST", f"/inbox/{notification_id}/read", actor=user.actor)
    return _redirect("/inbox")


# --- errors ------------------------------------------------------------------------------


def _failed_page(request: Request, user: SiteSession | None, reply: UpstreamReply) -> HTMLResponse:
    return _error(request, user, reply.status if reply.status >= 400 else 502)
