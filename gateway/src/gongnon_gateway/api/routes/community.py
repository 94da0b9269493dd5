"""What people do around a proposal: the author's edit and withdrawal, comments and replies,
follows, reports (신고), and an operator's choice of public or private. Validated here, decided by
proposal-svc (authorship, the edit lock, one report per account), whose replies pass unchanged."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.moderation import FlagReason
from gongnon_gateway.api.deps import (
    ID_PATTERN,
    CurrentAccount,
    CursorQuery,
    ItemIdPath,
    OptionalAccount,
    UpstreamDep,
)
from gongnon_gateway.api.limit_deps import per_account
from gongnon_gateway.api.responses import CommentOut, CommentPageOut, FlagOut, FollowOut, ProposalOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["community"], responses=ERROR_RESPONSES)
COMMENTS, FLAGS = per_account("comments"), per_account("flags")  # per account, 429 beyond

CommentIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The comment id")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProposalPatchIn(_In):
    """Only the fields to change. `district: null` makes the proposal city-wide."""

    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, min_length=1, max_length=50_000)
    category: str | None = Field(None, min_length=1, max_length=40)
    district: str | None = Field(None, max_length=40)
    hashtags: list[str] | None = Field(None, max_length=20)


class CommentIn(_In):
    body: str = Field(min_length=1, max_length=3_000)


class FlagIn(_In):
    reason: FlagReason = Field(description="욕설·비방 / 혐오 / 광고·도배 / 개인정보 / 허위 사실 / 기타")
    detail: str | None = Field(None, max_length=1_000)


class VisibilityIn(_In):
    visibility: Literal["public", "private"]
    reason: str | None = Field(None, max_length=2_000, description="Required; on the public timeline")


@router.patch("/api/proposals/{item_id}", response_model=ProposalOut)
async def edit_proposal(item_id: ItemIdPath, body: ProposalPatchIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """The author edits the proposal; 409 `edit_locked` once it has a support (공감)."""
    payload = body.model_dump(exclude_unset=True)
    return await up.forward(Service.PROPOSAL, "PATCH", f"/proposals/{item_id}", actor=me, json_body=payload)


@router.post("/api/proposals/{item_id}/withdraw", response_model=ProposalOut)
async def withdraw_proposal(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """The author withdraws the proposal (state `withdrawn`; it stays readable with its timeline)."""
    return await up.forward(Service.PROPOSAL, "POST", f"/proposals/{item_id}/withdraw", actor=me)


@router.put("/api/proposals/{item_id}/visibility", response_model=ProposalOut)
async def set_visibility(item_id: ItemIdPath, body: VisibilityIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Make the proposal private (비공개) or public again, with a reason (operators)."""
    return await up.forward(
        Service.PROPOSAL, "PUT", f"/proposals/{item_id}/visibility", actor=me, json_body=body.model_dump()
    )


@router.get("/api/proposals/{item_id}/comments", response_model=CommentPageOut)
async def list_comments(
    item_id: ItemIdPath,
    up: UpstreamDep,
    me: OptionalAccount,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    cursor: CursorQuery = None,
) -> Response:
    """{items: [comment with replies], next_cursor}; hidden comments come as placeholders."""
    params = {"limit": limit, "cursor": cursor}
    return await up.forward(Service.PROPOSAL, "GET", f"/proposals/{item_id}/comments", actor=me, params=params)


@router.post("/api/proposals/{item_id}/comments", status_code=201, response_model=CommentOut, dependencies=[COMMENTS])
async def add_comment(item_id: ItemIdPath, body: CommentIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(
        Service.PROPOSAL, "POST", f"/proposals/{item_id}/comments", actor=me, json_body=body.model_dump()
    )


@router.post("/api/comments/{comment_id}/replies", status_code=201, response_model=CommentOut, dependencies=[COMMENTS])
async def add_reply(comment_id: CommentIdPath, body: CommentIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """A reply in the comment's thread (one level of replies)."""
    return await up.forward(
        Service.PROPOSAL, "POST", f"/comments/{comment_id}/replies", actor=me, json_body=body.model_dump()
    )


@router.get("/api/proposals/{item_id}/follow", response_model=FollowOut)
async def get_follow(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """{item_id, following}"""
    return await up.forward(Service.PROPOSAL, "GET", f"/proposals/{item_id}/follow", actor=me)


@router.post("/api/proposals/{item_id}/follow", response_model=FollowOut)
async def follow(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Follow the item: its news reach your inbox like a supporter's."""
    return await up.forward(Service.PROPOSAL, "POST", f"/proposals/{item_id}/follow", actor=me)


@router.delete("/api/proposals/{item_id}/follow", response_model=FollowOut)
async def unfollow(item_id: ItemIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(Service.PROPOSAL, "DELETE", f"/proposals/{item_id}/follow", actor=me)


@router.post("/api/proposals/{item_id}/flags", status_code=201, response_model=FlagOut, dependencies=[FLAGS])
async def flag_proposal(item_id: ItemIdPath, body: FlagIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Report the proposal (once per account); enough reports put it in the moderation queue."""
    return await up.forward(
        Service.PROPOSAL, "POST", f"/proposals/{item_id}/flags", actor=me, json_body=body.model_dump()
    )


@router.post("/api/comments/{comment_id}/flags", status_code=201, response_model=FlagOut, dependencies=[FLAGS])
async def flag_comment(comment_id: CommentIdPath, body: FlagIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(
        Service.PROPOSAL, "POST", f"/comments/{comment_id}/flags", actor=me, json_body=body.model_dump()
    )
