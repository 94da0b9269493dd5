"""Debates (시민토론) and city consultations (서울시가 묻습니다): proposal-svc owns the items,
voting-svc the votes (any vote type, `POST /api/items/{id}/votes`), review-svc the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.api.deliberation_schemas import ConsultationIn, DebateIn, VoteIn
from gongnon_gateway.api.deps import CurrentAccount, CursorQuery, ItemIdPath, OptionalAccount, UpstreamDep
from gongnon_gateway.api.limit_deps import per_account
from gongnon_gateway.api.links import ID, link, links
from gongnon_gateway.api.responses import (
    BallotOut,
    DeliberationOut,
    DeliberationPageOut,
    PublicCaseListOut,
    ResultsOut,
    TallyOut,
    TimelineOut,
    VoteOut,
)
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.staff_vetting import StaffVetting
from gongnon_gateway.upstream import Service, Upstream

router = APIRouter(tags=["deliberations"], responses=ERROR_RESPONSES)

Limit = Annotated[int | None, Query(ge=1, le=100)]
ITEMS = per_account("items")  # opening an item: the same limit as a proposal


async def _own_department(me: Actor, department_id: str | None, agencies: AgencyRegistry, up: Upstream) -> None:
    """The item is filed under the asker's agency: the department it names must be one of that
    agency's (422 `unknown_department`; proposal-svc does not know departments). Citizens are
    refused by proposal-svc whatever they name."""
    if department_id is not None and me.role != ActorRole.CITIZEN:
        await StaffVetting(agencies, up).department_of(me.agency, department_id)


# --- 서울시가 묻습니다 ---------------------------------------------------------------------


@router.post(
    "/api/consultations",
    status_code=201,
    response_model=DeliberationOut,
    dependencies=[ITEMS],
    responses=links(
        201,
        Get=link("GET", "/api/consultations/{item_id}", item_id=ID),
        GetBallot=link("GET", "/api/items/{item_id}/ballot", item_id=ID),
        Vote=link("POST", "/api/items/{item_id}/votes", item_id=ID),
        GetTally=link("GET", "/api/items/{item_id}/tally", item_id=ID),
        GetResults=link("GET", "/api/items/{item_id}/results", item_id=ID),
        GetTimeline=link("GET", "/api/items/{item_id}/timeline", item_id=ID),
    ),
)
async def open_consultation(
    body: ConsultationIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep
) -> Response:
    """A department officer (for their own department) or an operator asks the city's question.
    At least 30 days (422 `period_too_short`) unless an operator sets `allow_short_period`. Filed
    under the asker's agency: 409 `agency_closed` when it has closed."""
    await agencies.require_open(me.agency)
    await _own_department(me, body.department_id, agencies, up)
    payload = body.model_dump(mode="json", exclude_none=True)
    return await up.forward(Service.PROPOSAL, "POST", "/consultations", actor=me, json_body=payload)


@router.get("/api/consultations", response_model=DeliberationPageOut)
async def list_consultations(up: UpstreamDep, limit: Limit = None, cursor: CursorQuery = None) -> Response:
    """{items, next_cursor}, newest first; each with status, D-day (days_left) and participants."""
    return await up.forward(Service.PROPOSAL, "GET", "/consultations", params={"limit": limit, "cursor": cursor})


@router.get("/api/consultations/{item_id}", response_model=DeliberationOut)
async def get_consultation(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    return await up.forward(Service.PROPOSAL, "GET", f"/consultations/{item_id}")


# --- 시민토론 ------------------------------------------------------------------------------


@router.post(
    "/api/debates",
    status_code=201,
    response_model=DeliberationOut,
    dependencies=[ITEMS],
    responses=links(
        201,
        Get=link("GET", "/api/debates/{item_id}", item_id=ID),
        GetBallot=link("GET", "/api/items/{item_id}/ballot", item_id=ID),
        Vote=link("POST", "/api/items/{item_id}/votes", item_id=ID),
        GetTally=link("GET", "/api/items/{item_id}/tally", item_id=ID),
        GetResults=link("GET", "/api/items/{item_id}/results", item_id=ID),
        GetTimeline=link("GET", "/api/items/{item_id}/timeline", item_id=ID),
    ),
)
async def open_debate(body: DebateIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep) -> Response:
    """Operator: open the public debate of a proposal that reached its debate-candidate rule
    (409 `not_debate_candidate` otherwise, 409 `debate_exists` the second time; 409
    `agency_closed` for an operator of a closed agency)."""
    await agencies.require_open(me.agency)
    await _own_department(me, body.department_id, agencies, up)
    payload = body.model_dump(mode="json", exclude_none=True)
    return await up.forward(Service.PROPOSAL, "POST", "/debates", actor=me, json_body=payload)


@router.get("/api/debates", response_model=DeliberationPageOut)
async def list_debates(up: UpstreamDep, limit: Limit = None, cursor: CursorQuery = None) -> Response:
    return await up.forward(Service.PROPOSAL, "GET", "/debates", params={"limit": limit, "cursor": cursor})


@router.get("/api/debates/{item_id}", response_model=DeliberationOut)
async def get_debate(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    return await up.forward(Service.PROPOSAL, "GET", f"/debates/{item_id}")


# --- any debate or consultation: votes, results, timeline, the department's answer ----------


@router.post("/api/items/{item_id}/votes", status_code=201, response_model=VoteOut)
async def vote(item_id: ItemIdPath, body: VoteIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """One vote per verified person: 201; again 409 `already_voted`; after the end 409
    `voting_closed`; a choice the ballot does not take 422 `invalid_choice`."""
    if me.citizen_key is None:
        raise Forbidden("verify your identity before voting", code="verification_required")
    return await up.forward(Service.VOTING, "POST", f"/items/{item_id}/votes", actor=me, json_body=body.model_dump())


@router.get("/api/items/{item_id}/ballot", response_model=BallotOut)
async def ballot(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """What can be voted: kind, options / questions with labels, max_choices, period."""
    return await up.forward(Service.VOTING, "GET", f"/items/{item_id}/ballot")


@router.get("/api/items/{item_id}/tally", response_model=TallyOut)
async def tally(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    return await up.forward(Service.VOTING, "GET", f"/items/{item_id}/tally")


@router.get("/api/items/{item_id}/results", response_model=ResultsOut)
async def results(item_id: ItemIdPath, up: UpstreamDep) -> Response:
    """The published result: total and per option (per question) count and %; `published:
    false` until the voting period ended and voting-svc counted it."""
    return await up.forward(Service.PROPOSAL, "GET", f"/deliberations/{item_id}/results")


@router.get("/api/items/{item_id}/timeline", response_model=TimelineOut)
async def timeline(item_id: ItemIdPath, up: UpstreamDep, me: OptionalAccount) -> Response:
    """{items: [{at, kind, actor_role, summary, data}]} of a debate or consultation."""
    return await up.forward(Service.PROPOSAL, "GET", f"/deliberations/{item_id}/timeline", actor=me)


@router.get("/api/items/{item_id}/cases", response_model=PublicCaseListOut)
async def cases(item_id: ItemIdPath, up: UpstreamDep, me: OptionalAccount) -> Response:
    """The department's answer to the result (public view: the answer only once approved)."""
    return await up.forward(Service.REVIEW, "GET", f"/items/{item_id}/cases", actor=me)
