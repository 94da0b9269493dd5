"""Registration, identity verification, login and the current account."""

from __future__ import annotations

from fastapi import APIRouter

from gongnon_gateway.api.deps import AccountsDep, ContextDep, CurrentAccount
from gongnon_gateway.api.limit_deps import GuardDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES, AccountOut, LoginIn, RegisterIn, SessionOut, VerifyIn
from gongnon_gateway.core.identity import IdentityClaim

router = APIRouter(tags=["identity"], responses=ERROR_RESPONSES)


@router.post("/api/auth/register", status_code=201, response_model=AccountOut)
async def register(body: RegisterIn, guard: GuardDep) -> AccountOut:
    """Create a citizen account (not yet verified: verify before supporting or proposing)."""
    return AccountOut.of(await guard.register(body.email, body.password, body.display_name))


@router.post("/api/auth/login", response_model=SessionOut)
async def login(body: LoginIn, ctx: ContextDep, guard: GuardDep) -> SessionOut:
    """Limited per client IP, and per account after repeated wrong passwords (429 with
    Retry-After, the right password included, until the growing lock-out passes)."""
    account = await guard.login(body.email, body.password)
    return SessionOut(token=ctx.tokens.issue(account.actor()), account=AccountOut.of(account))


@router.post("/api/auth/verify", response_model=SessionOut)
async def verify(body: VerifyIn, me: CurrentAccount, ctx: ContextDep, guard: GuardDep) -> SessionOut:
    """Bind a verified identity (one person = one vote). Returns a new token carrying the citizen key."""
    claim = IdentityClaim(name=body.name, birth_date=body.birth_date, phone=body.phone)
    account = await guard.verify(me.account_id, claim)
    return SessionOut(token=ctx.tokens.issue(account.actor()), account=AccountOut.of(account))


@router.get("/api/me", response_model=AccountOut)
async def me(me: CurrentAccount, accounts: AccountsDep) -> AccountOut:
    return AccountOut.of(await accounts.get(me.account_id))
