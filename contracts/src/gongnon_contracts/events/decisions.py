"""결정 decision votes: asking for one (any service: the committee's 적정 verdict, a rule that
fires) and its published result (voting-svc)."""

from datetime import datetime

from pydantic import Field

from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


def decision_item_id(source_item_id: str) -> str:
    """The decision vote's own item id: one per source item, so a repeated request is the same ballot."""
    return f"{source_item_id}-decision"


@register
class DecisionVoteRequested(EventData):
    """Open the decision vote on an item. Any service may emit it (proposal-svc when an
    open-decision-vote rule fires; the committee when the executing department judges the plan
    적정); voting-svc opens the ballot `decision_item_id(item_id)` once, whatever the repeats."""

    TYPE = "decision.vote_requested"
    TOPIC = Topic.PROPOSALS.value
    SUMMARY = "A decision vote (결정) is asked for on an item; voting-svc opens its ballot"
    item_id: str = Field(description="The item decided on (a proposal)")
    budget_krw: int = Field(0, ge=0, description="The project's budget; 0 when it has none")
    krw_per_voter: int | None = Field(None, ge=1, description="Quorum: one voter per this much budget")
    quorum_min: int | None = Field(None, ge=0)
    quorum_max: int | None = Field(None, ge=0)
    opens_at: datetime
    closes_at: datetime
    reason: str = Field("", description="Why: the rule id, or the committee's verdict")

    def subject(self) -> str:
        return self.item_id


@register
class DecisionVoteDecided(EventData):
    """The result of a decision vote at its close: passes with more than 50 % yes AND turnout at
    least the quorum."""

    TYPE = "decision.vote_decided"
    TOPIC = Topic.TALLIES.value
    SUMMARY = "A decision vote closed: yes, no, turnout, quorum and whether it passed"
    item_id: str = Field(description="The decision vote's item (ballot) id")
    source_item_id: str | None = Field(None, description="The item decided on, when the vote names one")
    budget_krw: int = Field(ge=0)
    yes: int = Field(ge=0)
    no: int = Field(ge=0)
    turnout: int = Field(ge=0)
    quorum: int = Field(ge=0)
    passed: bool
    closes_at: datetime

    def subject(self) -> str:
        return self.source_item_id or self.item_id


@register
class DecisionVoteOpened(EventData):
    """voting-svc opened a decision ballot (from the gateway or from `decision.vote_requested`)."""

    TYPE = "decision.vote_opened"
    TOPIC = Topic.TALLIES.value
    SUMMARY = "A decision vote (결정) opened: its ballot, budget, quorum and period"
    item_id: str = Field(description="The decision vote's item (ballot) id")
    source_item_id: str | None = Field(None, description="The item decided on, when the vote names one")
    budget_krw: int = Field(ge=0)
    quorum: int = Field(ge=0)
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    def subject(self) -> str:
        # The same key as its result (decision.vote_decided): one partition keeps them in order.
        return self.source_item_id or self.item_id
