"""Departments and category maps over HTTP (called by the gateway only). Reading is public;
changes are the agency's admin's or a super admin's (DepartmentService decides)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from gongnon_chassis.actor import CurrentActor
from review_svc.domain.departments import CategoryMap
from review_svc.entrypoints.views import department_view
from review_svc.service_layer.departments import DepartmentService

REF = r"^[A-Za-z0-9_\-]{1,64}$"
AgencyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
DepartmentId = Annotated[str, Path(pattern=REF)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepartmentIn(_In):
    name: str = Field(min_length=1, max_length=60)
    unit: str = Field("", max_length=60)
    parent_id: str | None = Field(None, pattern=REF)


class DepartmentPatch(_In):
    name: str | None = Field(None, min_length=1, max_length=60)
    unit: str | None = Field(None, max_length=60)
    parent_id: str | None = Field(None, pattern=REF)


class CategoryMapIn(_In):
    map: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(pattern=REF)]] = Field(max_length=64)
    default_department_id: str | None = Field(None, pattern=REF)


def map_view(cmap: CategoryMap) -> dict[str, Any]:
    return {
        "agency": cmap.agency,
        "map": dict(cmap.mapping),
        "default_department_id": cmap.default_department_id,
        "version": cmap.version,
    }


def build_departments_router(service: DepartmentService) -> APIRouter:
    router = APIRouter(tags=["departments"])

    @router.get("/departments/{department_id}")
    async def department(department_id: DepartmentId) -> dict[str, Any]:
        return department_view(await service.get(department_id))

    @router.get("/agencies/{agency}/departments")
    async def agency_departments(agency: AgencyId) -> dict[str, Any]:
        return {"items": [department_view(d) for d in await service.list(agency)]}

    @router.post("/agencies/{agency}/departments", status_code=201)
    async def create(agency: AgencyId, body: DepartmentIn, actor: CurrentActor) -> dict[str, Any]:
        return department_view(await service.create(actor, agency, body.name, body.unit, body.parent_id))

    @router.patch("/departments/{department_id}")
    async def update(department_id: DepartmentId, body: DepartmentPatch, actor: CurrentActor) -> dict[str, Any]:
        # name: null changes nothing; parent_id: null moves it to the top.
        changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "parent_id"}
        return department_view(await service.update(actor, department_id, changes))

    @router.post("/departments/{department_id}/archive")
    async def archive(department_id: DepartmentId, actor: CurrentActor) -> dict[str, Any]:
        return department_view(await service.archive(actor, department_id))

    @router.get("/agencies/{agency}/category-map")
    async def category_map(agency: AgencyId) -> dict[str, Any]:
        return map_view(await service.category_map(agency))

    @router.put("/agencies/{agency}/category-map")
    async def put_category_map(agency: AgencyId, body: CategoryMapIn, actor: CurrentActor) -> dict[str, Any]:
        return map_view(await service.set_category_map(actor, agency, body.map, body.default_department_id))

    return router
