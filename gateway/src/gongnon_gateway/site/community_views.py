"""What the proposal page shows of comments, reports and follows, shaped from proposal-svc's JSON.

A hidden comment arrives without its text (a placeholder); its author also gets the text and
the operator's reason, and sees both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_contracts.moderation import FLAG_REASONS
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.site.views import ROLE_LABELS, fmt_time, items_of
from gongnon_gateway.upstream import Service, UpstreamProblem

HIDDEN_TEXT = "운영정책에 따라 숨김 처리된 댓글입니다"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CommentView:
    id: str
    author: str
    role: str
    body: str
    at: str
    hidden: bool
    placeholder: str
    mine: bool
    reason: str
    replies: list[CommentView] = field(default_factory=list)

    @classmethod
    def of(cls, doc: dict[str, Any]) -> CommentView:
        author = _dict(doc.get("author"))
        moderation = _dict(doc.get("moderation"))
        role = str(author.get("role") or "")
        return cls(
            id=str(doc.get("id") or ""),
            author=str(author.get("name") or ""),
            role=ROLE_LABELS.get(role, "") if role != "citizen" else "",
            body=str(doc.get("body") or ""),
            at=fmt_time(doc.get("created_at")),
            hidden=bool(doc.get("hidden")),
            placeholder=str(doc.get("placeholder") or HIDDEN_TEXT),
            mine=bool(doc.get("mine")),
            reason=str(moderation.get("reason") or ""),
            replies=[cls.of(r) for r in doc.get("replies") or [] if isinstance(r, dict)],
        )


async def _get(ctx: GatewayContext, path: str, actor: Actor | None, params: dict[str, Any] | None = None) -> Any:
    try:
        reply = await ctx.upstream.request(Service.PROPOSAL, "GET", path, actor=actor, params=params)
    except UpstreamProblem:
        return None
    return reply.json() if reply.ok else None


@dataclass(frozen=True)
class Standing:
    """The item's state as its author or an operator sees it (public viewers see only withdrawn)."""

    status: str
    withdrawn: bool
    moderation_state: str
    moderation_reason: str
    notice: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Standing:
        moderation = _dict(doc.get("moderation"))
        return cls(
            status=str(doc.get("status") or "public"),
            withdrawn=bool(doc.get("withdrawn_at")),
            moderation_state=str(moderation.get("state") or "visible"),
            moderation_reason=str(moderation.get("reason") or ""),
            notice=str(moderation.get("notice") or ""),
        )


async def community_panels(
    ctx: GatewayContext, item_id: str, actor: Actor | None, proposal: dict[str, Any]
) -> dict[str, Any]:
    """The proposal page's comment list, the viewer's follow, the report reasons and the item's
    standing; a panel the service cannot serve is None, and the page says so instead of failing."""
    comments = await _get(ctx, f"/proposals/{item_id}/comments", actor, {"limit": 50})
    follow = await _get(ctx, f"/proposals/{item_id}/follow", actor) if actor else None
    return {
        "comments": None if comments is None else [CommentView.of(d) for d in items_of(comments)],
        "following": bool(follow.get("following")) if isinstance(follow, dict) else False,
        "flag_reasons": FLAG_REASONS,
        "standing": Standing.of(proposal),
    }
