"""공감 (support) and tallies: the hot path. No database lookup: the token is the actor.

Support is a hot route (gongnon_chassis.hot_routes): under a burst it is most of the gateway's
traffic, so it authenticates with a plain call and is also served ahead of FastAPI's machinery,
and it reaches voting-svc together with the supports arriving at the same moment (SupportRelay)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gongnon_chassis.errors import Forbidden, Unauthorized
from gongnon_gateway.api.deps import CurrentAccount, ItemIdPath, UpstreamDep, authenticate, bearer_token
from gongnon_gateway.api.responses import ReconcileOut, SupportOut, TallyOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.upstream import Service

RECONCILE_S = 135.0  # voting-svc's CATCH_UP_TIMEOUT_S (120 s) and the recount itself
router = APIRouter(tags=["votes"], responses=ERROR_RESPONSES)


@router.post(
    "/api/proposals/{item_id}/support",
    status_code=201,
    response_model=SupportOut,
    openapi_extra={"security": [{"HTTPBearer": []}]},
)
async def support(item_id: ItemIdPath, request: Request) -> Response:
    """One support per verified person: 201 {item_id, counted}; again → 409 `already_voted`."""
    return await _support(request, item_id)


async def support_hot(request: Request) -> Response:
    return await _support(request, request.path_params["item_id"])


SUPPORT_HOT_PATH = "/api/proposals/{item_id:id}/support"


async def _support(request: Request, item_id: str) -> Response:
    ctx: GatewayContext = request.app.state.gateway
    me = authenticate(request, ctx, bearer_token(request))
    if me is None:
        raise Unauthorized("sign in first")
    if me.citizen_key is None:
        # Refused here so unverified clicks never load the voting service.
        raise Forbidden("verify your identity before supporting", code="verification_required")
    return await ctx.supports.support(item_id, me)


@router.get("/api/proposals/{item_id}/tally", response_model=TallyOut)
async def tally(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """{item_id, kind, total, counts}"""
    return await up.forward(Service.VOTING, "GET", f"/items/{item_id}/tally")


@router.post("/api/admin/items/{item_id}/reconcile", response_model=ReconcileOut, tags=["ops"])
async def reconcile(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator of the item's agency (or super admin): recount the item from the vote ledger and
    repair its tally, live counter and public count, also downwards (재집계). 404 for another
    agency's item; 503 `ledger_behind` while the ledger is catching up, `votes_recovering` during
    a restore of the vote register."""
    # voting-svc first waits for its ledger writer to drain Kafka (up to 120 s): the answer may be
    # slower than the usual upstream timeout, which would turn a recount under way into a 503.
    reply = await up.request(
        Service.VOTING, "POST", "/admin/reconcile", actor=me, json_body={"item_id": item_id}, timeout_s=RECONCILE_S
    )
    return reply.to_response()
