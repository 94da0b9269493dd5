"""Who may see what of a proposal or a comment. Pure: the viewer is anything with an account,
a role and an agency (the actor the gateway sends in its header satisfies it)."""

from __future__ import annotations

from typing import Protocol

from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.moderation import may_moderate
from proposal_svc.domain.proposal import Proposal


class Viewer(Protocol):
    @property
    def account_id(self) -> str: ...

    @property
    def role(self) -> ActorRole: ...

    @property
    def agency(self) -> str: ...


def is_moderator(viewer: Viewer | None, agency: str) -> bool:
    return viewer is not None and may_moderate(viewer.role, viewer.agency, agency)


def is_author(viewer: Viewer | None, account_id: str) -> bool:
    return viewer is not None and viewer.account_id == account_id


def can_see_proposal(p: Proposal, viewer: Viewer | None) -> bool:
    """Public items to anyone; hidden, trashed and private ones to their author and moderators."""
    return p.public or is_author(viewer, p.author_account) or is_moderator(viewer, p.agency)


def can_read_comment(c: Comment, viewer: Viewer | None) -> bool:
    """The text of a hidden comment: its author (to read why) and moderators only."""
    return c.public or is_author(viewer, c.author_account) or is_moderator(viewer, c.agency)
