"""The proposal page's forms: comments and replies (댓글·답글), reports (신고) and follows
(관심 제안). Each posts, then redirects back to the item with a fixed message code."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gongnon_contracts.moderation import FLAG_REASONS
from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.api.limit_deps import limit_person
from gongnon_gateway.site.routes import _ID, SiteUser, _login_redirect, _not_found, _redirect
from gongnon_gateway.upstream import Service, UpstreamReply

router = APIRouter(include_in_schema=False)


def _back(item_id: str, code: str, anchor: str = "comments") -> Response:
    return _redirect(f"/proposals/{quote(item_id)}?m={code}#{anchor}")


def _outcome(reply: UpstreamReply, ok: str) -> str:
    if reply.ok:
        return ok
    return {
        "already_flagged": "already_flagged",
        "own_content": "own_content",
        "comment_hidden": "comment_hidden",
        "withdrawn": "closed_for_comments",
        "moderated": "closed_for_comments",
        "validation_error": "comment_invalid",
    }.get(reply.error_code() or "", "action_failed")


@router.post("/proposals/{item_id}/comments", response_model=None)
async def comment(
    request: Request,
    item_id: str,
    ctx: ContextDep,
    user: SiteUser,
    body: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _ID.match(item_id):
        return _not_found(request, user)
    return await _comment(request, ctx, user, item_id, f"/proposals/{item_id}/comments", body, csrf)


@router.post("/comments/{comment_id}/replies", response_model=None)
async def reply_to(
    request: Request,
    comment_id: str,
    ctx: ContextDep,
    user: SiteUser,
    item_id: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _ID.match(comment_id) or not _ID.match(item_id):
        return _not_found(request, user)
    return await _comment(request, ctx, user, item_id, f"/comments/{comment_id}/replies", body, csrf)


async def _comment(
    request: Request, ctx: ContextDep, user: SiteUser, item_id: str, upstream_path: str, body: str, csrf: str
) -> Response:
    """A comment or a reply from the proposal page's form; back to the page with the outcome."""
    if user is None:
        return _login_redirect(f"/proposals/{item_id}")
    if not ctx.tokens.check_csrf(user.token, csrf):
        return _back(item_id, "expired")
    if not body.strip():
        return _back(item_id, "comment_invalid")
    await limit_person(request, "comments", user.actor)  # the API's per-account limit (429 page)
    reply = await ctx.upstream.request(
        Service.PROPOSAL, "POST", upstream_path, actor=user.actor, json_body={"body": body[:3000]}
    )
    return _back(item_id, _outcome(reply, "commented"))


@router.post("/proposals/{item_id}/flag", response_model=None)
async def flag_proposal(
    request: Request,
    item_id: str,
    ctx: ContextDep,
    user: SiteUser,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    return await _flag(request, ctx, user, item_id, f"/proposals/{item_id}/flags", reason, csrf, "top")


@router.post("/comments/{comment_id}/flag", response_model=None)
async def flag_comment(
    request: Request,
    comment_id: str,
    ctx: ContextDep,
    user: SiteUser,
    item_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _ID.match(comment_id):
        return _not_found(request, user)
    return await _flag(request, ctx, user, item_id, f"/comments/{comment_id}/flags", reason, csrf, "comments")


async def _flag(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    item_id: str,
    path: str,
    reason: str,
    csrf: str,
    anchor: str,
) -> Response:
    if not _ID.match(item_id):
        return _not_found(request, user)
    if user is None:
        return _login_redirect(f"/proposals/{item_id}")
    if not ctx.tokens.check_csrf(user.token, csrf):
        return _back(item_id, "expired", anchor)
    if reason not in FLAG_REASONS:
        return _back(item_id, "flag_reason", anchor)
    await limit_person(request, "flags", user.actor)
    reply = await ctx.upstream.request(Service.PROPOSAL, "POST", path, actor=user.actor, json_body={"reason": reason})
    return _back(item_id, _outcome(reply, "flagged"), anchor)


@router.post("/proposals/{item_id}/follow", response_model=None)
async def follow(
    request: Request,
    item_id: str,
    ctx: ContextDep,
    user: SiteUser,
    on: Annotated[str, Form()] = "1",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _ID.match(item_id):
        return _not_found(request, user)
    if user is None:
        return _login_redirect(f"/proposals/{item_id}")
    if not ctx.tokens.check_csrf(user.token, csrf):
        return _back(item_id, "expired", "top")
    method = "POST" if on == "1" else "DELETE"
    reply = await ctx.upstream.request(Service.PROPOSAL, method, f"/proposals/{item_id}/follow", actor=user.actor)
    return _back(item_id, _outcome(reply, "followed" if on == "1" else "unfollowed"), "top")
