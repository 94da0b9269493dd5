"""HTTP API for what people do around a proposal (called by the gateway only): the author's edit
and withdrawal, comments and replies, follows, and reports (신고). Thin: validate, call a handler."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from gongnon_chassis.actor import CurrentActor, OptionalActor
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS
from proposal_svc import browse, community, views
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.community_views import comment_view, proposal_standing, threads
from proposal_svc.domain import moderation
from proposal_svc.domain.authoring import Edit
from proposal_svc.domain.comment import BODY_MAX, Comment
from proposal_svc.domain.listing import Cursor
from proposal_svc.domain.proposal import (
    BODY_MAX as PROPOSAL_BODY_MAX,
)
from proposal_svc.domain.proposal import (
    BODY_MIN,
    HASHTAG_LEN_MAX,
    HASHTAGS_MAX,
    TITLE_MAX,
    TITLE_MIN,
    Proposal,
    normalize_hashtags,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=TITLE_MIN, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=BODY_MIN, max_length=PROPOSAL_BODY_MAX)]
Hashtag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=HASHTAG_LEN_MAX)]
CommentBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)]


class ProposalPatch(BaseModel):
    """The fields to change; `district: null` makes the proposal city-wide."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    category: str | None = None
    district: str | None = None
    hashtags: list[Hashtag] | None = Field(None, max_length=HASHTAGS_MAX)

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str | None) -> str | None:
        if v is not None and v not in POLICY_CATEGORIES:
            raise ValueError(f"unknown category; one of {', '.join(POLICY_CATEGORIES)}")
        return v

    @field_validator("district")
    @classmethod
    def _known_district(cls, v: str | None) -> str | None:
        if v is not None and v not in SEOUL_DISTRICTS:
            raise ValueError("unknown district; one of the 25 자치구 keys or null")
        return v

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

    reason: str = Field(description=f"One of: {', '.join(moderation.FLAG_REASONS)}")
    detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


def build_community_router(
    rt: Runtime, repo: ProposalRepository, comms: CommunityRepository, mod: ModerationRepository
) -> APIRouter:
    router = APIRouter(tags=["community"])

    def shown(p: Proposal, actor: Any) -> dict[str, Any]:
        return {**views.detail(p, rt.clock.now()), **proposal_standing(p, actor)}

    @router.patch("/proposals/{item_id}")
    async def edit_proposal(item_id: str, body: ProposalPatch, actor: CurrentActor) -> dict[str, Any]:
        """The author edits the proposal; 409 `edit_locked` once it has a support."""

        async def tx_fn(tx: Tx) -> Proposal:
            return await community.edit(repo, comms, mod, tx, actor, item_id, body.to_edit())

        return shown(await rt.store.transaction(tx_fn), actor)

    @router.post("/proposals/{item_id}/withdraw")
    async def withdraw_proposal(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        """The author withdraws the proposal: state `withdrawn`, on the timeline, nothing deleted."""

        async def tx_fn(tx: Tx) -> Proposal:
            return await community.withdraw(repo, comms, tx, actor, item_id)

        return shown(await rt.store.transaction(tx_fn), actor)

    @router.get("/proposals/{item_id}/comments")
    async def list_comments(
        item_id: str,
        actor: OptionalActor,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")] = None,
    ) -> dict[str, Any]:
        """Comments newest first, each with its replies oldest first; hidden ones as placeholders."""
        await community.visible_proposal(repo, item_id, actor)
        scope = f"comments:{item_id}"  # a cursor of one thread is no good for another
        after = browse.unseal(rt.cursors, scope, cursor, "latest") if cursor else None
        found, resume = await comms.thread_page(item_id, after, limit)
        top = found[:limit]
        replies = await comms.replies([c.id for c in top])
        last = top[-1] if len(found) > limit else None
        if last is not None:
            next_cursor: str | None = browse.seal(rt.cursors, scope, Cursor("latest", last.created_at, last.id))
        else:
            next_cursor = browse.seal(rt.cursors, scope, resume) if resume else None
        return {"items": threads(top, replies, actor), "next_cursor": next_cursor}

    async def _comment(actor: Any, body: str, item_id: str | None = None, reply_to: str | None = None) -> Comment:
        async def tx_fn(tx: Tx) -> Comment:
            return await community.add_comment(repo, comms, mod, tx, actor, body, item_id=item_id, reply_to=reply_to)

        return await rt.store.transaction(tx_fn)

    @router.post("/proposals/{item_id}/comments", status_code=201)
    async def add_comment(item_id: str, body: CommentIn, actor: CurrentActor) -> dict[str, Any]:
        return comment_view(await _comment(actor, body.body, item_id=item_id), actor)

    @router.post("/comments/{comment_id}/replies", status_code=201)
    async def add_reply(comment_id: str, body: CommentIn, actor: CurrentActor) -> dict[str, Any]:
        """A reply joins the thread of the comment it answers (one level of replies)."""
        return comment_view(await _comment(actor, body.body, reply_to=comment_id), actor)

    @router.get("/proposals/{item_id}/follow")
    async def get_follow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        await community.visible_proposal(repo, item_id, actor)
        return {"item_id": item_id, "following": await comms.following(item_id, actor.account_id)}

    async def _follow(item_id: str, actor: Any, on: bool) -> dict[str, Any]:
        async def tx_fn(tx: Tx) -> bool:
            return await community.follow(repo, comms, tx, actor, item_id, on)

        return {"item_id": item_id, "following": await rt.store.transaction(tx_fn)}

    @router.post("/proposals/{item_id}/follow")
    async def follow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        """Follow the item (emits `proposal.followed` the first time)."""
        return await _follow(item_id, actor, True)

    @router.delete("/proposals/{item_id}/follow")
    async def unfollow(item_id: str, actor: CurrentActor) -> dict[str, Any]:
        return await _follow(item_id, actor, False)

    async def _flag(target_type: str, target_id: str, body: FlagIn, actor: Any) -> dict[str, Any]:
        async def tx_fn(tx: Tx) -> dict[str, Any]:
            return await community.flag(repo, comms, mod, tx, actor, target_type, target_id, body.reason, body.detail)

        return await rt.store.transaction(tx_fn)

    @router.post("/proposals/{item_id}/flags", status_code=201)
    async def flag_proposal(item_id: str, body: FlagIn, actor: CurrentActor) -> dict[str, Any]:
        """Report the proposal (once per account); enough reports put it in the moderation queue."""
        return await _flag(moderation.PROPOSAL, item_id, body, actor)

    @router.post("/comments/{comment_id}/flags", status_code=201)
    async def flag_comment(comment_id: str, body: FlagIn, actor: CurrentActor) -> dict[str, Any]:
        return await _flag(moderation.COMMENT, comment_id, body, actor)

    return router
