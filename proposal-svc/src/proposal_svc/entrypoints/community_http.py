"""HTTP API for what people do around a proposal (called by the gateway only): the author's edit
and withdrawal, comments and replies, follows, and reports (신고). Thin: validate, call the
service layer, shape the reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from gongnon_chassis.actor import Actor, CurrentActor, OptionalActor
from gongnon_contracts.moderation import FLAG_REASONS
from proposal_svc.domain import moderation
from proposal_svc.domain.authoring import Edit
from proposal_svc.domain.comment import BODY_MAX
from proposal_svc.domain.proposal import HASHTAGS_MAX, Proposal, normalize_hashtags
from proposal_svc.entrypoints import views
from proposal_svc.entrypoints.community_views import comment_view, flag_receipt, proposal_standing, thread_page
from proposal_svc.entrypoints.fields import Body, Category, District, Hashtag, Title
from proposal_svc.service_layer.community import CommunityService

CommentBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)]


class ProposalPatch(BaseModel):
    """The fields to change; `district: null` makes the proposal city-wide."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    category: Category | None = None
    district: District | None = None
    hashtags: list[Hashtag] | None = Field(None, max_length=HASHTAGS_MAX)

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else normalize_hashtags(v)

    def to_edit(self) -> Edit:
        return Edit(
            title=self.title,
            body=self.body,
            category=self.category,
            district=self.district,
            clear_district="district" in self.model_fields_set and self.district is None,
            hashtags=self.hashtags,
        )


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: CommentBody


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(description=f"One of: {', '.join(FLAG_REASONS)}")
    detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


def build_community_router(community: CommunityService, now: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(tags=["community"])

    def shown(p: Proposal, actor: Actor) -> dict[str, Any]:
        return {**views.detail(p, now()), **proposal_standing(p, actor)}

    @router.patch("/proposals/{item_id}")
    async def edit_proposal(item_id: str, body: ProposalPatch, actor: CurrentActor) -> dict[str, Any]:
        """The author edits the proposal; 409 `edit_locked` once it has a support."""
        return shown(await community.edit(actor, item_id, body.to_edit()), actor)

    @router.post("/proposals/{item_id}/withdraw")
    async def withdraw_proposal(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        """The author withdraws the proposal: state `withdrawn`, on the timeline, nothing deleted."""
        return shown(await community.withdraw(actor, item_id), actor)

    @router.get("/proposals/{item_id}/comments")
    async def list_comments(
        item_id: str,
        actor: OptionalActor,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")] = None,
    ) -> dict[str, Any]:
        """Comments newest first, each with its replies oldest first; hidden ones as placeholders."""
        return thread_page(await community.thread(actor, item_id, cursor, limit), actor)

    @router.post("/proposals/{item_id}/comments", status_code=201)
    async def add_comment(item_id: str, body: CommentIn, actor: CurrentActor) -> dict[str, Any]:
        return comment_view(await community.comment(actor, body.body, item_id=item_id), actor)

    @router.post("/comments/{comment_id}/replies", status_code=201)
    async def add_reply(comment_id: str, body: CommentIn, actor: CurrentActor) -> dict[str, Any]:
        """A reply joins the thread of the comment it answers (one level of replies)."""
        return comment_view(await community.comment(actor, body.body, reply_to=comment_id), actor)

    @router.get("/proposals/{item_id}/follow")
    async def get_follow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        return {"item_id": item_id, "following": await community.following(actor, item_id)}

    @router.post("/proposals/{item_id}/follow")
    async def follow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        """Follow the item (emits `proposal.followed` the first time)."""
        return {"item_id": item_id, "following": await community.follow(actor, item_id, True)}

    @router.delete("/proposals/{item_id}/follow")
    async def unfollow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        return {"item_id": item_id, "following": await community.follow(actor, item_id, False)}

    @router.post("/proposals/{item_id}/flags", status_code=201)
    async def flag_proposal(item_id: str, body: FlagIn, actor: CurrentActor) -> dict[str, Any]:
        """Report the proposal (once per account); enough reports put it in the moderation queue."""
        return flag_receipt(await community.flag(actor, moderation.PROPOSAL, item_id, body.reason, body.detail))

    @router.post("/comments/{comment_id}/flags", status_code=201)
    async def flag_comment(comment_id: str, body: FlagIn, actor: CurrentActor) -> dict[str, Any]:
        return flag_receipt(await community.flag(actor, moderation.COMMENT, comment_id, body.reason, body.detail))

    return router
