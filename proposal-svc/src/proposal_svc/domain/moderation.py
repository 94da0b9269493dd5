"""Moderation (게시물 관리): reports by citizens, the operators' queue, and what an operator may do
to an item or a comment. Pure.

Nothing is ever deleted: hiding, trashing and restoring change a state, always with a reason
the author can read, and every act is written to the item's public timeline and to the audit
log. Which reports put a target in front of an operator is a rule here, not in the adapters."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.moderation import FLAG_REASONS
from gongnon_contracts.refusals import Conflict, Invalid

# The moderation state of an item or a comment.
VISIBLE = "visible"
HIDDEN = "hidden"
TRASHED = "trashed"
STATES = (VISIBLE, HIDDEN, TRASHED)

# What an operator does.
HIDE = "hide"
RESTORE = "restore"
TRASH = "trash"
ACTIONS = (HIDE, RESTORE, TRASH)

PROPOSAL = "proposal"
COMMENT = "comment"
TARGET_TYPES = (PROPOSAL, COMMENT)

# This many reports from different accounts put a target in the queue (again, after a review).
FLAG_THRESHOLD = 3
REASON_MAX = 2_000

# A queue entry: "watch" (reports below the threshold), "open" (in the queue), "resolved".
WATCH, OPEN, RESOLVED = "watch", "open", "resolved"

ACTION_KO = {HIDE: "숨김 처리", RESTORE: "복원", TRASH: "휴지통으로 이동"}
TARGET_KO = {PROPOSAL: "이 제안을", COMMENT: "댓글을"}
HIDDEN_COMMENT_TEXT = "운영정책에 따라 숨김 처리된 댓글입니다"
HIDDEN_PROPOSAL_TEXT = "운영정책에 따라 숨김 처리된 제안입니다"

# Where each act may start from. Restoring a visible target closes its reports after review
# (the operator found nothing wrong), which is why it needs an open queue entry.
_FROM: dict[str, tuple[str, ...]] = {
    HIDE: (VISIBLE,),
    TRASH: (VISIBLE, HIDDEN),
    RESTORE: (HIDDEN, TRASHED, VISIBLE),
}
_TO = {HIDE: HIDDEN, TRASH: TRASHED, RESTORE: VISIBLE}


@dataclass(frozen=True)
class Target:
    """What can be reported and moderated: a proposal or a comment on one."""

    type: str
    id: str
    item_id: str
    agency: str
    author_account: str
    state: str

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"


def require_reason(reason: str | None) -> str:
    """Every moderation act carries a reason the author can read."""
    text = (reason or "").strip()
    if not text:
        raise Invalid("a reason is required; the author will read it", code="reason_required")
    if len(text) > REASON_MAX:
        raise Invalid(f"keep the reason under {REASON_MAX} characters", code="reason_too_long")
    return text


def transition(state: str, action: str, queued: bool) -> str:
    """The state after `action`, or Conflict when it makes no sense from `state`."""
    if action not in _TO:
        raise Invalid(f"unknown action; one of {', '.join(ACTIONS)}", code="unknown_action")
    if state not in _FROM[action] or (action == RESTORE and state == VISIBLE and not queued):
        raise Conflict(f"cannot {action} a {state} target", code="invalid_transition")
    return _TO[action]


def needs_review(pending_flags: int, suspicion: list[str]) -> bool:
    """Enough reports since the last review, or the automatic check found something."""
    return pending_flags >= FLAG_THRESHOLD or bool(suspicion)


def check_flag_reason(reason: str) -> str:
    if reason not in FLAG_REASONS:
        raise Invalid(f"reason is one of {', '.join(FLAG_REASONS)}", code="unknown_flag_reason")
    return reason


def timeline_summary(target_type: str, action: str, reason: str) -> str:
    return f"운영자가 {TARGET_KO[target_type]} {ACTION_KO[action]}했습니다. 사유: {reason}"


def may_moderate(role: ActorRole, actor_agency: str, agency: str) -> bool:
    """Operators and agency admins moderate their own agency's space; a super admin any."""
    if role == ActorRole.SUPER_ADMIN:
        return True
    return role in (ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN) and actor_agency == agency
