"""Departments and review cases (부서검토): officers answer, operators approve and assign."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gongnon_gateway.api.deps import (
    AGENCY_PATTERN,
    CaseIdPath,
    CurrentAccount,
    CursorQuery,
    OptionalAccount,
    UpstreamDep,
)
from gongnon_gateway.api.responses import CaseOut, CasePageOut, DepartmentListOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES, AnswerIn, AssignIn, ReasonIn
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["review"], responses=ERROR_RESPONSES)


@router.get("/api/departments", response_model=DepartmentListOut)
async def list_departments(
    up: UpstreamDep,
    me: OptionalAccount,
    agency: Annotated[str | None, Query(pattern=AGENCY_PATTERN, description="Only this agency's")] = None,
) -> Response:
    return await up.forward(Service.REVIEW, "GET", "/departments", actor=me, params={"agency": agency})


@router.get("/api/review/cases", response_model=CasePageOut)
async def list_cases(
    me: CurrentAccount,
    up: UpstreamDep,
    department_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    before: CursorQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Response:
    params = {"department_id": department_id, "status": status, "before": before, "limit": limit}
    return await up.forward(Service.REVIEW, "GET", "/cases", actor=me, params=params)


@router.get("/api/review/cases/{case_id}", response_model=CaseOut)
async def get_case(case_id: CaseIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(Service.REVIEW, "GET", f"/cases/{case_id}", actor=me)


@router.post("/api/review/cases/{case_id}/answer", response_model=CaseOut)
async def answer_case(case_id: CaseIdPath, body: AnswerIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer of the case's department: 수용 accept / 부분수용 partial / 불수용 reject (reason required)."""
    payload = body.model_dump(exclude_none=True)
    return await up.forward(Service.REVIEW, "POST", f"/cases/{case_id}/answer", actor=me, json_body=payload)


@router.post("/api/review/cases/{case_id}/approve", response_model=CaseOut)
async def approve_case(case_id: CaseIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator: publish the department's answer (관리자 승인)."""
    return await up.forward(Service.REVIEW, "POST", f"/cases/{case_id}/approve", actor=me)


@router.post("/api/review/cases/{case_id}/return", response_model=CaseOut)
async def return_case(case_id: CaseIdPath, body: ReasonIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator: send the answer back to the department with a reason (반려)."""
    return await up.forward(Service.REVIEW, "POST", f"/cases/{case_id}/return", actor=me, json_body=body.model_dump())


@router.post("/api/review/cases/{case_id}/reassign-request", response_model=CaseOut)
async def request_reassignment(case_id: CaseIdPath, body: ReasonIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Officer: ask for another department (재지정 요청)."""
    path = f"/cases/{case_id}/reassign-request"
    return await up.forward(Service.REVIEW, "POST", path, actor=me, json_body=body.model_dump())


@router.post("/api/review/cases/{case_id}/assign", response_model=CaseOut)
async def assign_case(case_id: CaseIdPath, body: AssignIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Operator: assign the case to a department."""
    return await up.forward(Service.REVIEW, "POST", f"/cases/{case_id}/assign", actor=me, json_body=body.model_dump())
