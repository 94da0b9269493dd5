"""The review HTTP API (see docs/services.md). Thin: parse, call the service, shape the reply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.cursors import CursorSigner
from review_svc.domain.cases import Decision, Status
from review_svc.entrypoints.views import admin_view, department_view, public_view
from review_svc.service_layer.cases import CaseService


class AnswerBody(BaseModel):
    decision: Decision
    answer: str = Field(max_length=20_000)
    reason: str | None = Field(default=None, max_length=5_000)


class ReasonBody(BaseModel):
    reason: str = Field(max_length=2_000)


class AssignBody(BaseModel):
    department_id: str = Field(min_length=1, max_length=64)


CASES_SCOPE = "review-cases"


def build_router(service: CaseService, default_agency: str, cursors: CursorSigner) -> APIRouter:
    router = APIRouter(tags=["review"])

    @router.get("/departments")
    async def departments(agency: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
        found = await service.list_departments(agency or default_agency)
        return {"items": [department_view(d) for d in found]}

    @router.get("/cases")
    async def cases(
        actor: CurrentActor,
        department_id: Annotated[str | None, Query(max_length=64)] = None,
        status: Status | None = None,
        before: Annotated[str | None, Query(description="cursor: next_cursor of the previous page (opaque)")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        after_id = cursors.open_id(CASES_SCOPE, before) if before else None
        found = await service.search(actor, department_id, status, after_id, limit)
        return {
            "items": [admin_view(c) for c in found],
            "next_cursor": cursors.seal_id(CASES_SCOPE, found[-1].id) if len(found) == limit else None,
        }

    @router.get("/cases/{case_id}")
    async def case(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.get(actor, case_id))

    @router.get("/items/{item_id}/cases")
    async def item_cases(item_id: str) -> dict[str, Any]:
        return {"items": [public_view(c) for c in await service.for_item(item_id)]}

    @router.post("/cases/{case_id}/answer")
    async def answer(case_id: str, body: AnswerBody, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.answer(actor, case_id, body.decision, body.answer, body.reason))

    @router.post("/cases/{case_id}/approve")
    async def approve(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.approve(actor, case_id))

    @router.post("/cases/{case_id}/return")
    async def return_(case_id: str, body: ReasonBody, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.return_to_department(actor, case_id, body.reason))

    @router.post("/cases/{case_id}/reassign-request")
    async def reassign_request(case_id: str, body: ReasonBody, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.request_reassignment(actor, case_id, body.reason))

    @router.post("/cases/{case_id}/assign")
    async def assign(case_id: str, body: AssignBody, actor: CurrentActor) -> dict[str, Any]:
        return admin_view(await service.assign(actor, case_id, body.department_id))

    return router
