"""결정 decision votes: staff open the vote on an item, citizens vote on it like on any ballot
(`POST /api/items/{decision_id}/votes`), voting-svc publishes the result at the close.

The ballot is its own item, `{item_id}-decision` (one per item: asking twice is the same ballot).
Its quorum and period come from the agency's rule set (DecisionVotePolicy; Seoul's 2018 terms when
it has none); voting-svc computes the quorum with the one function in gongnon_contracts.decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gongnon_chassis.errors import Conflict, Forbidden, Invalid
from gongnon_contracts.bounds import KRW_MAX, Moment
from gongnon_contracts.decision import SEOUL_KRW_PER_VOTER, SEOUL_QUORUM_MAX, SEOUL_QUORUM_MIN
from gongnon_contracts.events import decision_item_id
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.api.deps import ContextDep, CurrentAccount, ItemIdPath, UpstreamDep
from gongnon_gateway.api.responses import BallotOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["decision votes"], responses=ERROR_RESPONSES)

# Operators run the agency's votes; an agency admin runs its own space like its own site; the
# super admin any. Committee members and departments reach the vote through the committee's 적정
# verdict (the `decision.vote_requested` event), not by opening it themselves.
_OPENERS = frozenset({ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN, ActorRole.SUPER_ADMIN})
SEOUL_POLICY: dict[str, Any] = {
    "min_open_days": 30,
    "open_days": None,
    "krw_per_voter": SEOUL_KRW_PER_VOTER,
    "quorum_min": SEOUL_QUORUM_MIN,
    "quorum_max": SEOUL_QUORUM_MAX,
}
DEFAULT_DAYS = 30


class DecisionVoteIn(BaseModel):
    budget_krw: int = Field(ge=0, le=KRW_MAX, description="The project's budget (사업비) in KRW")
    opens_at: Moment | None = Field(None, description="Default: now")
    closes_at: Moment | None = Field(
        None, description="Default: the rule set's open_days, else min_open_days, else 30 days after opening"
    )


@router.post(
    "/api/items/{item_id}/decision-vote",
    status_code=201,
    response_model=BallotOut,
    responses={200: {"model": BallotOut, "description": "Asked again for the same budget: the vote already open"}},
)
async def open_decision_vote(
    item_id: ItemIdPath, body: DecisionVoteIn, me: CurrentAccount, ctx: ContextDep, up: UpstreamDep
) -> Response:
    """Operator or agency admin of the item's agency: open the decision vote (결정 투표) on an item.
    201 with the ballot (`item_id` is the decision ballot's id; `quorum` from the budget); the same
    request again → 200; a different one → 409 `ballot_exists`; a period shorter than the rule
    set's minimum → 422 `decision_period_too_short`."""
    if me.role not in _OPENERS:
        raise Forbidden("only the agency's operators open a decision vote")
    item = await up.request(Service.PROPOSAL, "GET", f"/proposals/{item_id}", actor=me)
    if not item.ok:
        return item.to_response()
    agency = str(item.json()["agency"])
    if me.role != ActorRole.SUPER_ADMIN and me.agency != agency:
        raise Forbidden("an operator opens decision votes of their own agency only", code="other_agency")
    did = decision_item_id(item_id)
    existing = await up.request(Service.VOTING, "GET", f"/items/{did}/ballot")
    if existing.ok and body.opens_at is None and body.closes_at is None:
        # Asked again without a period of its own: the vote already open is the answer, when it
        # is for the same budget (its default period was "from now", which has moved on).
        if existing.json().get("budget_krw") == body.budget_krw:
            return Response(content=existing.body, status_code=200, media_type="application/json")
        raise Conflict("this item's decision vote is open already with another budget", code="ballot_exists")
    rules = await up.request(Service.PROPOSAL, "GET", f"/agencies/{agency}/ruleset")
    policy = (rules.json() or {}).get("decision_vote") if rules.ok else None
    policy = policy or SEOUL_POLICY
    opens_at = body.opens_at or ctx.runtime.clock.now()
    days = policy.get("open_days") or policy.get("min_open_days") or DEFAULT_DAYS
    closes_at = body.closes_at or opens_at + timedelta(days=days)
    least = policy.get("min_open_days") or 0
    if closes_at - opens_at < timedelta(days=least):
        raise Invalid(f"a decision vote stays open at least {least} days", code="decision_period_too_short")
    ballot = {
        "kind": "decision",
        "budget_krw": body.budget_krw,
        "krw_per_voter": policy.get("krw_per_voter"),
        "quorum_min": policy.get("quorum_min"),
        "quorum_max": policy.get("quorum_max"),
        "source_item_id": item_id,
        "agency": agency,
        "opens_at": opens_at.isoformat(),
        "closes_at": closes_at.isoformat(),
    }
    return await up.forward(Service.VOTING, "PUT", f"/items/{did}/ballot", actor=me, json_body=ballot)
