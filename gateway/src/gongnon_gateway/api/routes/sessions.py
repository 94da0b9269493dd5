"""Ending sessions: a logout revokes its own token; a super admin, or an operator or admin of the
account's agency, revokes every session of an account. A revoked token is refused (401
`invalid_token`) from then on by every gateway replica (core/revocations.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gongnon_chassis.errors import DomainError, Forbidden, Unauthorized, Unavailable
from gongnon_gateway.api.deps import CSRF_HEADER, ID_PATTERN, SESSION_COOKIE, ContextDep, CurrentAccount, bearer_token
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.core.api_keys import looks_like_key
from gongnon_gateway.core.revocations import SessionRevocations
from gongnon_gateway.core.security import TokenError

router = APIRouter(tags=["identity"], responses=ERROR_RESPONSES)

AccountIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The account id")]


def _revocations(ctx: GatewayContext) -> SessionRevocations:
    if ctx.sessions is None:
        raise Unavailable("sessions cannot be revoked on this server", code="revocation_unavailable")
    return ctx.sessions


@router.post(
    "/api/auth/logout",
    status_code=204,
    response_class=Response,
    openapi_extra={"security": [{"HTTPBearer": []}]},
)
async def logout(request: Request, ctx: ContextDep) -> Response:
    """Ends this session: its token (the bearer token, or the site's cookie with the
    X-CSRF-Token header) is refused from now on, by every replica. Other sessions stay."""
    bearer = bearer_token(request)
    token = bearer or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("sign in first")
    if looks_like_key(token):
        raise DomainError(
            "an API key is not a session (revoke a key with DELETE …/api-keys/{key_id})", code="not_a_session"
        )
    try:
        session = ctx.tokens.open(token)
    except TokenError as exc:
        raise Unauthorized(f"the token is not valid: {exc}", code="invalid_token") from exc
    # A cookie rides along with requests other sites trigger: a cookie logout proves it is ours.
    if bearer is None and not ctx.tokens.check_csrf(token, request.headers.get(CSRF_HEADER, "")):
        raise Forbidden(f"send the {CSRF_HEADER} header with cookie-authenticated changes", code="csrf_failed")
    await _revocations(ctx).revoke_token(session.actor.account_id, session.jti, session.exp)
    response = Response(status_code=204)
    if bearer is None:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/api/admin/accounts/{account_id}/sessions/revoke", status_code=204, response_class=Response)
async def revoke_sessions(account_id: AccountIdPath, me: CurrentAccount, ctx: ContextDep) -> Response:
    """Ends every session of the account issued until now (a lost device, a departing officer);
    it may sign in again. A super admin: any account; an operator or agency admin: the accounts
    of their own agency below them (citizens, officers, …)."""
    account = await ctx.accounts.check_may_revoke_sessions(me, account_id)
    await _revocations(ctx).revoke_account(account.id)
    return Response(status_code=204)
