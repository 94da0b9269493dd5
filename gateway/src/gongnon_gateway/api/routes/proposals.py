"""Proposals, their timelines and public review cases, reference data and rule sets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gongnon_contracts.rulesets import RuleSetChoice
from gongnon_gateway.api.deps import (
    AgencyPath,
    CurrentAccount,
    CursorQuery,
    ItemIdPath,
    OptionalAccount,
    UpstreamDep,
)
from gongnon_gateway.api.limit_deps import per_account
from gongnon_gateway.api.links import ID, link, links
from gongnon_gateway.api.responses import (
    MetaOut,
    ProposalOut,
    ProposalPageOut,
    PublicCaseListOut,
    RuleSetOut,
    RuleSetVersionsOut,
    TimelineOut,
)
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES, ProposalIn
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["proposals"], responses=ERROR_RESPONSES)


@router.post(
    "/api/proposals",
    status_code=201,
    response_model=ProposalOut,
    dependencies=[per_account("items")],
    responses=links(
        201,
        GetProposal=link("GET", "/api/proposals/{item_id}", item_id=ID),
        EditProposal=link("PATCH", "/api/proposals/{item_id}", item_id=ID),
        GetTimeline=link("GET", "/api/proposals/{item_id}/timeline", item_id=ID),
        ListComments=link("GET", "/api/proposals/{item_id}/comments", item_id=ID),
        AddComment=link("POST", "/api/proposals/{item_id}/comments", item_id=ID),
        Follow=link("POST", "/api/proposals/{item_id}/follow", item_id=ID),
        Support=link("POST", "/api/proposals/{item_id}/support", item_id=ID),
        GetTally=link("GET", "/api/proposals/{item_id}/tally", item_id=ID),
        Flag=link("POST", "/api/proposals/{item_id}/flags", item_id=ID),
        Withdraw=link("POST", "/api/proposals/{item_id}/withdraw", item_id=ID),
    ),
)
async def submit_proposal(body: ProposalIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep) -> Response:
    """Submit a proposal (verified citizen or operator), under `agency` (default: the host; an
    operator files under its own). proposal-svc answers 201 with it. An agency that is not
    registered → 422 `unknown_agency`, a closed one → 409 `agency_closed`."""
    await agencies.require_open(body.agency or me.agency)
    return await up.forward(
        Service.PROPOSAL, "POST", "/proposals", actor=me, json_body=body.model_dump(exclude_unset=True)
    )


@router.get("/api/proposals", response_model=ProposalPageOut)
async def list_proposals(
    up: UpstreamDep,
    me: OptionalAccount,
    agencies: AgenciesDep,
    sort: Literal["latest", "popular"] = "latest",
    category: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    hashtag: Annotated[str | None, Query(max_length=40, description="A theme hashtag (with or without #)")] = None,
    agency: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9\-]{1,39}$", description="One agency")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Words of the title (제목 검색)")] = None,
    status: Annotated[str | None, Query(max_length=20, description="Admin tab (operators): private, trash…")] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    cursor: CursorQuery = None,
    created_from: Annotated[date | None, Query(description="Admin tabs: registered on or after (KST)")] = None,
    created_to: Annotated[date | None, Query(description="Admin tabs: registered on or before (KST)")] = None,
    min_supports: Annotated[int | None, Query(ge=0, le=10**9, description="Admin tabs: at least this many")] = None,
    department: Annotated[str | None, Query(max_length=64, description="Admin tabs: a case's department")] = None,
) -> Response:
    """{items, next_cursor}. `agency`: that agency's items; the host agency's list holds every
    agency's items (the host archives everything). With `status` (an operator's tab) the list
    also narrows by registration dates, a case's department and a minimum of supports."""
    if agency == agencies.host_agency and status is None:
        agency = None
    params = {
        "sort": sort,
        "category": category,
        "district": district,
        "stage": stage,
        "hashtag": hashtag,
        "agency": agency,
        "q": q,
        "status": status,
        "limit": limit,
        "cursor": cursor,
        "created_from": created_from.isoformat() if created_from else None,
        "created_to": created_to.isoformat() if created_to else None,
        "min_supports": min_supports,
        "department": department,
    }
    return await up.forward(Service.PROPOSAL, "GET", "/proposals", actor=me, params=params)


@router.get("/api/proposals/{item_id}", response_model=ProposalOut)
async def get_proposal(item_id: ItemIdPath, up: UpstreamDep, me: OptionalAccount) -> Response:
    """The proposal with support_count, stage, rule_set_id, next_threshold and milestones."""
    return await up.forward(Service.PROPOSAL, "GET", f"/proposals/{item_id}", actor=me)


@router.get("/api/proposals/{item_id}/timeline", response_model=TimelineOut)
async def get_timeline(item_id: ItemIdPath, up: UpstreamDep, me: OptionalAccount) -> Response:
    """{items: [{at, kind, actor_role, summary, data}]}"""
    return await up.forward(Service.PROPOSAL, "GET", f"/proposals/{item_id}/timeline", actor=me)


@router.get("/api/proposals/{item_id}/cases", response_model=PublicCaseListOut)
async def get_item_cases(item_id: ItemIdPath, up: UpstreamDep, me: OptionalAccount) -> Response:
    """The item's review cases (public view: the answer only once published)."""
    return await up.forward(Service.REVIEW, "GET", f"/items/{item_id}/cases", actor=me)


@router.get("/api/meta", response_model=MetaOut)
async def get_meta(up: UpstreamDep) -> Response:
    """Categories (정책분류), the 25 districts (자치구) and the rule presets."""
    return await up.forward(Service.PROPOSAL, "GET", "/meta")


@router.get("/api/agencies/{agency}/ruleset", response_model=RuleSetOut)
async def get_agency_ruleset(agency: AgencyPath, up: UpstreamDep) -> Response:
    """The threshold rules the agency's new items open under (public: citizens see what a proposal
    must reach, and by when)."""
    return await up.forward(Service.PROPOSAL, "GET", f"/agencies/{agency}/ruleset")


@router.put("/api/agencies/{agency}/ruleset", response_model=RuleSetOut)
async def set_agency_ruleset(agency: AgencyPath, body: RuleSetChoice, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Choose the agency's threshold rules (agency admin): `{"preset": …, "census": …}`, or its own
    `{"name": …, "rules": [{"id", "metric", "threshold" | "threshold_ratio", "window_days", "action",
    "due_days", "label"}], …}`. Each choice is a new version; open items keep theirs."""
    return await up.forward(
        Service.PROPOSAL,
        "PUT",
        f"/agencies/{agency}/ruleset",
        actor=me,
        json_body=body.model_dump(mode="json", exclude_none=True),
    )


@router.get("/api/agencies/{agency}/ruleset/versions", response_model=RuleSetVersionsOut)
async def agency_ruleset_versions(
    agency: AgencyPath, up: UpstreamDep, limit: int = Query(20, ge=1, le=100)
) -> Response:
    """Every rule set the agency has chosen, newest first."""
    return await up.forward(Service.PROPOSAL, "GET", f"/agencies/{agency}/ruleset/versions", params={"limit": limit})
