"""HTTP API of moderation (operators of the item's agency only): the queue of reported and
suspected items and comments, hide / restore / trash with a mandatory reason, a proposal's
visibility (공개 / 비공개), and the audit log. Thin: validate, call a handler."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.errors import NotFound
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from proposal_svc import moderating, views
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.community_views import audit_entry, proposal_standing, queue_entry
from proposal_svc.domain.proposal import Proposal

AgencyQuery = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]


class ReasonIn(BaseModel):
    # Optional here so that a missing reason is the domain's 422 `reason_required`.
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, description="Why; the author reads it, and it is on the public timeline")


class VisibilityIn(ReasonIn):
    visibility: Literal["public", "private"]


def build_moderation_router(
    rt: Runtime, repo: ProposalRepository, comms: CommunityRepository, mod: ModerationRepository
) -> APIRouter:
    router = APIRouter(tags=["moderation"])

    def space(actor: Any, agency: str | None) -> str:
        target = agency or actor.agency
        moderating.require_moderator(actor, target)
        return str(target)

    @router.get("/moderation/queue")
    async def queue(
        actor: CurrentActor, agency: AgencyQuery = None, limit: Annotated[int, Query(ge=1, le=100)] = 50
    ) -> dict[str, Any]:
        """Reported and automatically suspected items and comments of the agency, oldest first."""
        entries = await mod.open_entries(space(actor, agency), limit)
        items = []
        for e in entries:
            try:
                _, target = await moderating.load_target(repo, comms, e["target_type"], e["target_id"])
            except NotFound:
                target = None
            items.append(queue_entry(e, target))
        return {"items": items}

    @router.post("/moderation/{target_type}/{target_id}/{action}")
    async def act(
        target_type: Literal["proposal", "comment"],
        target_id: str,
        action: Literal["hide", "restore", "trash"],
        body: ReasonIn,
        actor: CurrentActor,
    ) -> dict[str, Any]:
        """Hide, restore or trash with a reason (422 `reason_required` without one)."""

        async def tx_fn(tx: Tx) -> dict[str, Any]:
            return await moderating.act(repo, comms, mod, tx, actor, target_type, target_id, action, body.reason)

        return await rt.store.transaction(tx_fn)

    @router.put("/proposals/{item_id}/visibility")
    async def set_visibility(item_id: str, body: VisibilityIn, actor: CurrentActor) -> dict[str, Any]:
        """Make the proposal private (비공개) or public again, with a reason."""

        async def tx_fn(tx: Tx) -> Proposal:
            return await moderating.set_visibility(repo, mod, tx, actor, item_id, body.visibility, body.reason)

        p = await rt.store.transaction(tx_fn)
        return {**views.detail(p, rt.clock.now()), **proposal_standing(p, actor)}

    @router.get("/moderation/audit")
    async def audit(
        actor: CurrentActor,
        target: Annotated[str, Query(min_length=1, max_length=64, description="A proposal or comment id")],
        agency: AgencyQuery = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Every moderation act on the target, oldest first (append-only)."""
        docs = await mod.audit_for(space(actor, agency), target, limit)
        return {"items": [audit_entry(d) for d in docs]}

    return router
