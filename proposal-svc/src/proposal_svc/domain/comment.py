"""Comments (댓글) on an item, with one level of replies (답글). Pure.

A reply to a reply joins the same thread (its top-level comment) and remembers whom it answers,
so threads stay one level deep however people reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain import moderation

BODY_MAX = 3_000


@dataclass
class Comment:
    id: str
    item_id: str
    agency: str
    author_account: str
    author_name: str
    author_role: ActorRole
    body: str
    created_at: datetime
    parent_id: str | None = None  # the top-level comment of the thread; None for a top-level one
    reply_to: str | None = None  # the comment this one answers (a reply or the top-level one)
    moderation: str = moderation.VISIBLE
    moderation_reason: str | None = None
    moderated_at: datetime | None = None

    @property
    def depth(self) -> int:
        return 0 if self.parent_id is None else 1

    @property
    def public(self) -> bool:
        return self.moderation == moderation.VISIBLE


def thread_of(parent: Comment) -> str:
    """The top-level comment a reply to `parent` belongs under."""
    return parent.parent_id or parent.id
