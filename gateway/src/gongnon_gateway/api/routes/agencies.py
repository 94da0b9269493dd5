"""Partner agencies (유관기관): the registry the gateway owns (docs/federation.md).

A super admin registers and closes agencies; anyone reads their public fields; an agency's own
admin changes its names and branding."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gongnon_gateway.api.agency_schemas import AgencyIn, AgencyListOut, AgencyOut, AgencyPatchIn
from gongnon_gateway.api.deps import AgencyPath, CurrentAccount
from gongnon_gateway.api.links import ID, link, links
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.agencies import DEFAULT_ACCENT, DEFAULT_PRIMARY, Agency, Branding, public_view
from gongnon_gateway.core.agency_registry import AgencyRegistry

router = APIRouter(tags=["agencies"], responses=ERROR_RESPONSES)


async def get_agencies(request: Request) -> AgencyRegistry:
    registry: AgencyRegistry = request.app.state.agencies
    return registry


AgenciesDep = Annotated[AgencyRegistry, Depends(get_agencies)]


def _out(agency: Agency) -> AgencyOut:
    return AgencyOut.model_validate(public_view(agency))


@router.post(
    "/api/agencies",
    status_code=201,
    response_model=AgencyOut,
    responses=links(
        201,
        GetAgency=link("GET", "/api/agencies/{agency}", agency=ID),
        EditAgency=link("PATCH", "/api/agencies/{agency}", agency=ID),
        GetRuleSet=link("GET", "/api/agencies/{agency}/ruleset", agency=ID),
        ListDepartments=link("GET", "/api/agencies/{agency}/departments", agency=ID),
    ),
)
async def register_agency(body: AgencyIn, me: CurrentAccount, agencies: AgenciesDep) -> AgencyOut:
    """Register a partner agency (super admin): its independent space opens at once, at
    `/a/{id}/` and at `/` of its own host name. Emits `agency.registered`; review-svc then
    creates its head-of-agency department (기관장). 409 `agency_exists`, `host_taken`."""
    b = body.branding
    branding = Branding(
        logo_url=b.logo_url,
        primary_color=b.primary_color or DEFAULT_PRIMARY,
        accent_color=b.accent_color or DEFAULT_ACCENT,
    )
    agency = await agencies.register(
        me, agency_id=body.id, name_ko=body.name_ko, name_en=body.name_en, host=body.host, branding=branding
    )
    return _out(agency)


@router.get("/api/agencies", response_model=AgencyListOut)
async def list_agencies(agencies: AgenciesDep) -> AgencyListOut:
    """Every agency (public fields), the host agency among them; closed ones too (the archive)."""
    return AgencyListOut(items=[_out(a) for a in await agencies.all()])


@router.get("/api/agencies/{agency}", response_model=AgencyOut)
async def get_agency(agency: AgencyPath, agencies: AgenciesDep) -> AgencyOut:
    return _out(await agencies.get(agency))


@router.patch("/api/agencies/{agency}", response_model=AgencyOut)
async def update_agency(
    agency: AgencyPath, body: AgencyPatchIn, me: CurrentAccount, agencies: AgenciesDep
) -> AgencyOut:
    """Names and branding: the agency's admin or a super admin; the host name: super admin only.
    Emits `agency.updated` when something changed."""
    # null clears only what may be empty (the host name, the logo); elsewhere it means "unchanged".
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "host"}
    if "branding" in changes:
        changes["branding"] = {k: v for k, v in changes["branding"].items() if v is not None or k == "logo_url"}
    return _out(await agencies.update(me, agency, changes))


@router.post("/api/agencies/{agency}/close", response_model=AgencyOut)
async def close_agency(agency: AgencyPath, me: CurrentAccount, agencies: AgenciesDep) -> AgencyOut:
    """Close an agency's space (super admin): it takes no new items; its items stay listed and
    readable. Emits `agency.closed` (once; closing again changes nothing)."""
    return _out(await agencies.close(me, agency))
