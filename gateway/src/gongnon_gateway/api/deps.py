"""Typed dependencies for the API routes (full-stack-fastapi-template style).

All are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a cost the vote
hot path should not pay for work this small."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gongnon_chassis.actor import Actor
from gongnon_chassis.cursors import MAX_CURSOR_CHARS
from gongnon_chassis.errors import Forbidden, Unauthorized
from gongnon_gateway.api.api_key_deps import api_key_header, key_actor, presented_key
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.core.accounts import Accounts
from gongnon_gateway.core.security import TokenError
from gongnon_gateway.upstream import Upstream

SESSION_COOKIE = "gongnon_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_context(request: Request) -> GatewayContext:
    ctx: GatewayContext = request.app.state.gateway
    return ctx


ContextDep = Annotated[GatewayContext, Depends(get_context)]


async def get_upstream(ctx: ContextDep) -> Upstream:
    return ctx.upstream


async def get_accounts(ctx: ContextDep) -> Accounts:
    return ctx.accounts


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]


# Declares the scheme in the OpenAPI document; the checks below stay ours (401 in our error shape).
_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/auth/login")


def authenticate(request: Request, ctx: GatewayContext, bearer: str | None) -> Actor | None:
    """The caller, from a bearer token or the site's session cookie (None: anonymous). A plain
    function, so the vote hot path can call it without dependency injection."""
    if bearer is not None:
        try:
            return ctx.tokens.verify(bearer)
        except TokenError as exc:
            raise Unauthorized(f"the token is not valid: {exc}", code="invalid_token") from exc
    if request.headers.get("authorization"):
        raise Unauthorized("use 'Authorization: Bearer <token>'", code="invalid_token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        actor = ctx.tokens.verify(cookie)
    except TokenError:
        return None  # a stale site cookie must not lock anyone out of public pages
    # A browser sends the cookie with requests other sites trigger: a write authenticated by the
    # cookie alone must also prove it comes from our pages (the session-bound CSRF token).
    if request.method not in _SAFE_METHODS and not ctx.tokens.check_csrf(cookie, request.headers.get(CSRF_HEADER, "")):
        raise Forbidden(f"send the {CSRF_HEADER} header with cookie-authenticated changes", code="csrf_failed")
    return actor


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _optional_account(
    request: Request,
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Actor | None:
    bearer = credentials.credentials if credentials is not None else None
    key = presented_key(api_key, bearer)
    if key is not None:  # an agency system (api_key_deps.py): checked against its record every time
        return await key_actor(request, key)
    return authenticate(request, ctx, bearer)


async def _current_account(actor: Annotated[Actor | None, Depends(_optional_account)]) -> Actor:
    if actor is None:
        raise Unauthorized("sign in first")
    return actor


# The signed token is the actor: account id, role, agency, citizen key, department, name.
OptionalAccount = Annotated[Actor | None, Depends(_optional_account)]
CurrentAccount = Annotated[Actor, Depends(_current_account)]

# Ids travel into upstream paths; keep them to a safe alphabet.
ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
ItemIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The item (proposal) id")]
CaseIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The review case id")]
NotificationIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The notification id")]
AGENCY_PATTERN = r"^[a-z0-9][a-z0-9\-]{0,39}$"
AgencyPath = Annotated[str, Path(pattern=AGENCY_PATTERN, description="The agency id")]
# A list's cursor passes through unchanged: the service that issued it checks it (its HMAC).
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_CHARS,
        description="Cursor: `next_cursor` of the previous page, sent back unchanged. Opaque and signed: "
        "one the platform did not issue (edited, made up, another list's) → 400 `invalid_cursor`.",
    ),
]
