"""Who may see and act on what (the actor comes from the gateway's header)."""

from __future__ import annotations

from gongnon_chassis.actor import Actor
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.moderation import may_moderate
from proposal_svc.domain.proposal import Proposal


def is_moderator(actor: Actor | None, agency: str) -> bool:
    return actor is not None and may_moderate(actor.role, actor.agency, agency)


def is_author(actor: Actor | None, account_id: str) -> bool:
    return actor is not None and actor.account_id == account_id


def can_see_proposal(p: Proposal, actor: Actor | None) -> bool:
    """Public items to anyone; hidden, trashed and private ones to their author and moderators."""
    return p.public or is_author(actor, p.author_account) or is_moderator(actor, p.agency)


def can_read_comment(c: Comment, actor: Actor | None) -> bool:
    """The text of a hidden comment: its author (to read why) and moderators only."""
    return c.public or is_author(actor, c.author_account) or is_moderator(actor, c.agency)
