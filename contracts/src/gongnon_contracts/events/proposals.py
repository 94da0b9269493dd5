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
