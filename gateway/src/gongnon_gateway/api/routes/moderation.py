"""Moderation for operators: the queue of reported and suspected items and comments, hide /
restore / trash with a reason, and the append-only audit log. proposal-svc checks the role and
the agency; its refusals (403, 422 `reason_required`, 409 `invalid_transition`) pass unchanged."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gongnon_gateway.api.deps import ID_PATTERN, CurrentAccount, UpstreamDep
from gongnon_gateway.api.responses import AuditOut, ModerationActOut, ModerationQueueOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["moderation"], responses=ERROR_RESPONSES)

TargetIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The proposal or comment id")]
AgencyQuery = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9\-]{1,39}$", description="super admin only")]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Optional here: proposal-svc answers a missing reason with 422 `reason_required`.
    reason: str | None = Field(None, max_length=2_000, description="Required; the author reads it")


@router.get("/api/moderation/queue", response_model=ModerationQueueOut)
async def queue(
    me: CurrentAccount,
    up: UpstreamDep,
    agency: AgencyQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Response:
    """{items: [{target_type, target_id, item_id, flag_count, flag_reasons, suspicion, target}]}"""
    params = {"agency": agency, "limit": limit}
    return await up.forward(Service.PROPOSAL, "GET", "/moderation/queue", actor=me, params=params)


@router.post("/api/moderation/{target_type}/{target_id}/{action}", response_model=ModerationActOut)
async def moderate(
    target_type: Literal["proposal", "comment"],
    target_id: TargetIdPath,
    action: Literal["hide", "restore", "trash"],
    body: ReasonIn,
    me: CurrentAccount,
    up: UpstreamDep,
) -> Response:
    """Hide, restore or trash, with a reason shown to the author and on the item's timeline."""
    return await up.forward(
        Service.PROPOSAL,
        "POST",
        f"/moderation/{target_type}/{target_id}/{action}",
        actor=me,
        json_body=body.model_dump(),
    )


@router.get("/api/moderation/audit", response_model=AuditOut)
async def audit(
    me: CurrentAccount,
    up: UpstreamDep,
    target: Annotated[str, Query(pattern=ID_PATTERN, description="A proposal or comment id")],
    agency: AgencyQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> Response:
    """Every moderation act on the target, oldest first."""
    params = {"target": target, "agency": agency, "limit": limit}
    return await up.forward(Service.PROPOSAL, "GET", "/moderation/audit", actor=me, params=params)
