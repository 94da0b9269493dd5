"""What the HTTP API shows of comments, moderation and an item's standing to its viewer.

A hidden comment is served to everyone as a placeholder, never its text; its author and the
moderators see the text with the reason. The author of a hidden proposal sees it with the reason."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from gongnon_chassis.actor import Actor
from proposal_svc.domain import moderation
from proposal_svc.domain.access import can_read_comment, is_author, is_moderator
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.proposal import Proposal
from proposal_svc.service_layer.community import Flagged, Thread
from proposal_svc.service_layer.moderation import ModerationAct


def proposal_standing(p: Proposal, viewer: Actor | None) -> dict[str, Any]:
    """Fields added to the item page: its status, and for its author and moderators why it is
    not public and what they may still do."""
    own = is_author(viewer, p.author_account)
    mod = is_moderator(viewer, p.agency)
    out: dict[str, Any] = {
        "status": p.status if (own or mod) else ("withdrawn" if p.withdrawn_at else "public"),
        "withdrawn_at": p.withdrawn_at,
        "edited_at": p.edited_at,
        "viewer": {
            "is_author": own,
            "is_moderator": mod,
            "can_edit": own and p.public and p.withdrawn_at is None and p.closed_at is None and p.support_count == 0,
            "can_withdraw": own and p.withdrawn_at is None,
        },
    }
    if own or mod:
        out["visibility"] = p.visibility
        out["moderation"] = {
            "state": p.moderation,
            "reason": p.moderation_reason,
            "at": p.moderated_at,
            "notice": moderation.HIDDEN_PROPOSAL_TEXT if p.moderation != moderation.VISIBLE else None,
        }
    return out


def comment_view(c: Comment, viewer: Actor | None, replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    readable = can_read_comment(c, viewer)
    own = is_author(viewer, c.author_account)
    out: dict[str, Any] = {
        "id": c.id,
        "item_id": c.item_id,
        "parent_id": c.parent_id,
        "reply_to": c.reply_to,
        "created_at": c.created_at,
        "hidden": not c.public,
        "placeholder": None if c.public else moderation.HIDDEN_COMMENT_TEXT,
        "body": c.body if readable else None,
        "author": {"name": c.author_name, "role": c.author_role.value} if readable else None,
        "mine": own,
    }
    if not c.public and readable:
        out["moderation"] = {"state": c.moderation, "reason": c.moderation_reason, "at": c.moderated_at}
    if is_moderator(viewer, c.agency):
        out["author_account"] = c.author_account
    if replies is not None:
        out["replies"] = replies
    return out


def thread_page(thread: Thread, viewer: Actor | None) -> dict[str, Any]:
    under: dict[str, list[dict[str, Any]]] = {}
    for r in thread.replies:
        if r.parent_id is not None:
            under.setdefault(r.parent_id, []).append(comment_view(r, viewer))
    items = [comment_view(c, viewer, under.get(c.id, [])) for c in thread.comments]
    return {"items": items, "next_cursor": thread.next_cursor}


def flag_receipt(f: Flagged) -> dict[str, Any]:
    return {
        "target_type": f.target_type,
        "target_id": f.target_id,
        "flagged": True,
        "flag_count": f.flag_count,
        "queued": f.queued,
    }


def moderation_act(act: ModerationAct) -> dict[str, Any]:
    return asdict(act)


def queue_entry(entry: dict[str, Any], target: Proposal | Comment | None) -> dict[str, Any]:
    """A queue entry with what the operator needs to judge it (the text itself)."""
    snapshot: dict[str, Any] | None = None
    if isinstance(target, Proposal):
        snapshot = {
            "title": target.title,
            "body": target.body,
            "author_name": target.author_name,
            "state": target.moderation,
            "status": target.status,
        }
    elif isinstance(target, Comment):
        snapshot = {"body": target.body, "author_name": target.author_name, "state": target.moderation}
    return {
        "target_type": entry["target_type"],
        "target_id": entry["target_id"],
        "item_id": entry["item_id"],
        "opened_at": entry.get("opened_at"),
        "flag_count": entry.get("flag_count", 0),
        "pending_flags": entry.get("pending_flags", 0),
        "flag_reasons": entry.get("flag_reasons", {}),
        "suspicion": entry.get("suspicion", []),
        "target": snapshot,
    }


def audit_entry(doc: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "target_type",
        "target_id",
        "item_id",
        "action",
        "reason",
        "from_state",
        "to_state",
        "actor_account",
        "actor_role",
        "actor_name",
        "at",
    )
    return {"id": doc["_id"], **{k: doc.get(k) for k in keys}}
