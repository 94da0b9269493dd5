"""공감 (support) and tallies: the hot path. No database lookup: the token is the actor."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gongnon_chassis.errors import Forbidden
from gongnon_gateway.api.deps import CurrentAccount, ItemIdPath, UpstreamDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["votes"], responses=ERROR_RESPONSES)


@router.post("/api/proposals/{item_id}/support", status_code=201, response_class=Response)
async def support(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """One support per verified person: 201 {item_id, counted}; again → 409 `already_voted`."""
    if me.citizen_key is None:
        # Refused here so unverified clicks never load the voting service.
        raise Forbidden("verify your identity before supporting", code="verification_required")
    return await up.forward(Service.VOTING, "POST", f"/items/{item_id}/support", actor=me)


@router.get("/api/proposals/{item_id}/tally", response_class=Response)
async def tally(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """{item_id, kind, total, counts}"""
    return await up.forward(Service.VOTING, "GET", f"/items/{item_id}/tally")
