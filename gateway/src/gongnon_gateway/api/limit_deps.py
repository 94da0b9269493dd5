"""The people's rate limits in the request path (core/limits.py): `GuardDep` for login,
registration and identity checks, `per_account(rule)` for a route's `dependencies`, and
`limit_person` for the site's form handlers (their session is a cookie, not `CurrentAccount`).

The client address is the peer's, or what a trusted proxy says (X-Forwarded-For, only with
GONGNON_TRUSTED_PROXIES: bootstrap puts uvicorn's ProxyHeadersMiddleware in front)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from gongnon_chassis.actor import Actor
from gongnon_gateway.api.deps import AccountsDep, CurrentAccount
from gongnon_gateway.core.accounts import Accounts
from gongnon_gateway.core.limits import Guard, PeopleLimits, client_key


def people_limits(request: Request) -> PeopleLimits:
    limits: PeopleLimits = request.app.state.people_limits
    return limits


def client_of(request: Request) -> str:
    return client_key(request.client.host if request.client else None)


def guard_for(request: Request, accounts: Accounts) -> Guard:
    return Guard(people_limits(request), accounts, client_of(request))


async def _guard(request: Request, accounts: AccountsDep) -> Guard:
    return guard_for(request, accounts)


GuardDep = Annotated[Guard, Depends(_guard)]


def per_account(rule: str) -> Any:
    """A route dependency: one attempt of the signed-in caller under `rule` (429 beyond it)."""

    async def limited(request: Request, me: CurrentAccount) -> None:
        await people_limits(request).hit(rule, me.account_id)

    return Depends(limited)


async def limit_person(request: Request, rule: str, actor: Actor | None) -> None:
    """The same for a site form; nobody signed in: nothing to count (the page asks to sign in)."""
    if actor is not None:
        await people_limits(request).hit(rule, actor.account_id)
