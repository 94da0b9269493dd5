from datetime import datetime

from gongnon_contracts.envelope import EventData
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


class _ProposalEvent(EventData):
    TOPIC = Topic.PROPOSALS.value
    item_id: str

    def subject(self) -> str:
        return self.item_id


@register
class ProposalSubmitted(_ProposalEvent):
    TYPE = "proposal.submitted"
    SUMMARY = "A citizen or agency submitted a proposal"
    title: str
    category: str
    district: str | None
    author_account: str
    author_role: ActorRole
    rule_set_id: str
    listed: bool
    # The display name the site shows beside the proposal (the public stream publishes it).
    author_name: str | None = None


@register
class MilestoneReached(_ProposalEvent):
    TYPE = "proposal.milestone_reached"
    SUMMARY = "A threshold rule fired: METRIC reached N within the window; ACTION is due"
    rule_id: str
    rule_set_id: str
    metric: Metric
    threshold: int
    value: int
    action: RuleAction
    due_days: int | None
    category: str
    title: str
    reached_at: datetime


@register
class RuleExpired(_ProposalEvent):
    TYPE = "proposal.rule_expired"
    SUMMARY = "A rule's window passed without its threshold being reached"
    rule_id: str
    metric: Metric
    threshold: int
    value: int
    expired_at: datetime


@register
class ItemClosed(_ProposalEvent):
    TYPE = "proposal.closed"
    SUMMARY = "The item's support window ended"
    reason: str
    closed_at: datetime


@register
class ProposalModerated(_ProposalEvent):
    TYPE = "proposal.moderated"
    SUMMARY = "An operator hid, restored or trashed an item, with a reason"
    action: str
    reason: str
    actor_account: str


@register
class ProposalEdited(_ProposalEvent):
    TYPE = "proposal.edited"
    SUMMARY = "The author edited the proposal (allowed only before its first support)"
    title: str
    category: str
    district: str | None
    hashtags: list[str]
    fields: list[str]
    edited_at: datetime


@register
class ProposalWithdrawn(_ProposalEvent):
    TYPE = "proposal.withdrawn"
    SUMMARY = "The author withdrew the proposal; it stays readable (proposal.closed follows if it was open)"
    withdrawn_at: datetime


@register
class ProposalFollowed(_ProposalEvent):
    """Private: it names the account."""

    TYPE = "proposal.followed"
    PUBLIC = False
    SUMMARY = "An account follows the item (notify-svc treats it like a supporter)"
    account_id: str
    followed_at: datetime


@register
class ProposalUnfollowed(_ProposalEvent):
    """Private: it names the account."""

    TYPE = "proposal.unfollowed"
    PUBLIC = False
    SUMMARY = "An account stopped following the item"
    account_id: str
    unfollowed_at: datetime


@register
class CommentModerated(_ProposalEvent):
    """Private: it names the comment's author, so notify-svc can tell them the reason."""

    TYPE = "proposal.comment_moderated"
    PUBLIC = False
    SUMMARY = "An operator hid, restored or trashed a comment on the item, with a reason"
    comment_id: str
    action: str
    reason: str
    actor_account: str
    author_account: str
