"""HTTP API of moderation (operators of the item's agency only): the queue of reported and
suspected items and comments, hide / restore / trash with a mandatory reason, a proposal's
visibility (공개 / 비공개), and the audit log. Thin: validate, call the service layer, shape the reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gongnon_chassis.actor import CurrentActor
from proposal_svc.entrypoints import views
from proposal_svc.entrypoints.community_views import audit_entry, moderation_act, proposal_standing, queue_entry
from proposal_svc.entrypoints.fields import AgencyQuery
from proposal_svc.service_layer.moderation import ModerationService


class ReasonIn(BaseModel):
    # Optional here so that a missing reason is the domain's 422 `reason_required`.
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, description="Why; the author reads it, and it is on the public timeline")


class VisibilityIn(ReasonIn):
    visibility: Literal["public", "private"]


def build_moderation_router(moderation: ModerationService, now: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(tags=["moderation"])

    @router.get("/moderation/queue")
    async def queue(
        actor: CurrentActor, agency: AgencyQuery = None, limit: Annotated[int, Query(ge=1, le=100)] = 50
    ) -> dict[str, Any]:
        """Reported and automatically suspected items and comments of the agency, oldest first."""
        return {"items": [queue_entry(e, target) for e, target in await moderation.open_queue(actor, agency, limit)]}

    @router.post("/moderation/{target_type}/{target_id}/{action}")
    async def act(
        target_type: Literal["proposal", "comment"],
        target_id: str,
        action: Literal["hide", "restore", "trash"],
        body: ReasonIn,
        actor: CurrentActor,
    ) -> dict[str, Any]:
        """Hide, restore or trash with a reason (422 `reason_required` without one)."""
        return moderation_act(await moderation.act(actor, target_type, target_id, action, body.reason))

    @router.put("/proposals/{item_id}/visibility")
    async def set_visibility(item_id: str, body: VisibilityIn, actor: CurrentActor) -> dict[str, Any]:
        """Make the proposal private (비공개) or public again, with a reason."""
        p = await moderation.set_visibility(actor, item_id, body.visibility, body.reason)
        return {**views.detail(p, now()), **proposal_standing(p, actor)}

    @router.get("/moderation/audit")
    async def audit(
        actor: CurrentActor,
        target: Annotated[str, Query(min_length=1, max_length=64, description="A proposal or comment id")],
        agency: AgencyQuery = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Every moderation act on the target, oldest first (append-only)."""
        return {"items": [audit_entry(d) for d in await moderation.audit_log(actor, agency, target, limit)]}

    return router
