"""An agency's departments (a tree of 실·국·본부 → 과) and its category → department map.

review-svc owns them and decides every change; the gateway checks first what it knows itself
(the agency exists, is open, and the caller administers it) so another agency's admin is
refused before anything reaches a service. Reading is public."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from gongnon_gateway.api.agency_schemas import CategoryMapIn, DepartmentIn, DepartmentPatchIn
from gongnon_gateway.api.deps import ID_PATTERN, AgencyPath, CurrentAccount, OptionalAccount, UpstreamDep
from gongnon_gateway.api.links import ID, SAME_AGENCY, link, links
from gongnon_gateway.api.responses import CategoryMapOut, DepartmentListOut, DepartmentOut, DepartmentStatsOut
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core import agencies as rules
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["departments"], responses=ERROR_RESPONSES)

DepartmentIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The department id")]


@router.get("/api/agencies/{agency}/departments", response_model=DepartmentListOut)
async def list_departments(agency: AgencyPath, me: OptionalAccount, up: UpstreamDep, agencies: AgenciesDep) -> Response:
    """The agency's departments as a flat tree: {items: [{id, name, parent_id, kind, archived,
    categories, …}]} (archived ones too, marked)."""
    await agencies.get(agency)
    return await up.forward(Service.REVIEW, "GET", f"/agencies/{agency}/departments", actor=me)


@router.post(
    "/api/agencies/{agency}/departments",
    status_code=201,
    response_model=DepartmentOut,
    responses=links(
        201,
        EditDepartment=link("PATCH", "/api/departments/{department_id}", department_id=ID),
        ArchiveDepartment=link("POST", "/api/departments/{department_id}/archive", department_id=ID),
        ListDepartments=link("GET", "/api/agencies/{agency}/departments", agency=SAME_AGENCY),
    ),
)
async def create_department(
    agency: AgencyPath, body: DepartmentIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep
) -> Response:
    """A 실·국·본부 (no parent) or a 과 under one (parent_id of the same agency). The agency's
    admin or a super admin."""
    found = await agencies.get(agency)
    rules.require_manager(me, agency)
    rules.require_open(found)
    return await up.forward(
        Service.REVIEW,
        "POST",
        f"/agencies/{agency}/departments",
        actor=me,
        json_body=body.model_dump(exclude_none=True),
    )


@router.patch("/api/departments/{department_id}", response_model=DepartmentOut)
async def update_department(
    department_id: DepartmentIdPath, body: DepartmentPatchIn, me: CurrentAccount, up: UpstreamDep
) -> Response:
    """Rename (name, unit) or move (parent_id: no cycles, a parent of the same agency, not
    archived). The department's agency's admin or a super admin."""
    return await up.forward(
        Service.REVIEW,
        "PATCH",
        f"/departments/{department_id}",
        actor=me,
        json_body=body.model_dump(exclude_unset=True),
    )


@router.post("/api/departments/{department_id}/archive", response_model=DepartmentOut)
async def archive_department(department_id: DepartmentIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Archive a department: it gets no new cases (the map falls back to the agency's default
    department or its head); its open cases stay. Not while it has active sub-departments."""
    return await up.forward(Service.REVIEW, "POST", f"/departments/{department_id}/archive", actor=me)


@router.get("/api/agencies/{agency}/category-map", response_model=CategoryMapOut)
async def get_category_map(agency: AgencyPath, me: OptionalAccount, up: UpstreamDep, agencies: AgenciesDep) -> Response:
    """{agency, map: {category: department_id}, default_department_id, version}"""
    await agencies.get(agency)
    return await up.forward(Service.REVIEW, "GET", f"/agencies/{agency}/category-map", actor=me)


@router.put("/api/agencies/{agency}/category-map", response_model=CategoryMapOut)
async def put_category_map(
    agency: AgencyPath, body: CategoryMapIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep
) -> Response:
    """Replace the agency's category → department map (each 정책분류 to one active department of
    the agency) and its default department. New cases follow it; open ones keep theirs."""
    found = await agencies.get(agency)
    rules.require_manager(me, agency)
    rules.require_open(found)
    return await up.forward(
        Service.REVIEW, "PUT", f"/agencies/{agency}/category-map", actor=me, json_body=body.model_dump()
    )


@router.get("/api/agencies/{agency}/department-stats", response_model=DepartmentStatsOut)
async def department_stats(
    agency: AgencyPath,
    up: UpstreamDep,
    agencies: AgenciesDep,
    since: Annotated[datetime | None, Query(description="Cases opened at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Cases opened before (ISO 8601)")] = None,
) -> Response:
    """부서별 답변 현황, public: per department, cases, answers published, on time %, median days to
    answer, open and overdue now; `since`/`until` narrow it to cases opened in a period."""
    await agencies.get(agency)
    params = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
    return await up.forward(Service.REVIEW, "GET", f"/agencies/{agency}/department-stats", params=params)
