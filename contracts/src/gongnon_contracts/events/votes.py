from datetime import datetime

from pydantic import Field

from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


@register
class VoteCast(EventData):
    """One accepted vote. Private: it names the voter's verified identity key."""

    TYPE = "vote.cast"
    TOPIC = Topic.VOTES.value
    PUBLIC = False
    SUMMARY = "voting-svc accepted a vote (one per verified citizen and item)"
    vote_id: str
    item_id: str
    kind: str = Field(description="support, choice, discussion, research, multi, decision")
    citizen_key: str = Field(description="Verified identity key (not the account)")
    account_id: str
    choices: list[str] = Field(default_factory=list)
    cast_at: datetime
    channel: str = "online"

    def subject(self) -> str:
        return self.item_id


@register
class VotesCast(EventData):
    """Votes on one item accepted together (a burst answered as one batch): one record for all of
    them, so Kafka, the ledger writer and the followers pay per batch what they paid per vote.
    Each vote means exactly what its own `vote.cast` would. Private: it names voters' identities."""

    TYPE = "votes.cast"
    TOPIC = Topic.VOTES.value
    PUBLIC = False
    SUMMARY = "voting-svc accepted votes on one item together (each as its vote.cast would be)"
    item_id: str
    votes: list[VoteCast] = Field(min_length=1)

    def subject(self) -> str:
        return self.item_id


@register
class TallyUpdated(EventData):
    """A snapshot of an item's counts. Coalesced: one event covers many votes, and counts are
    absolute, so a consumer that sees them late, twice or out of order still ends right."""

    TYPE = "tally.updated"
    TOPIC = Topic.TALLIES.value
    SUMMARY = "An item's vote counts changed (absolute, monotone counts)"
    item_id: str
    kind: str
    total: int = Field(ge=0, description="Distinct voters counted so far")
    counts: dict[str, int] = Field(default_factory=dict, description="Per option, when there are options")
    as_of: datetime = Field(description="Time of the newest vote included")
    seq: int = Field(ge=0, description="Monotone per item; newer snapshots have larger seq")
    repaired: bool = Field(
        False,
        description="A recount from the ledger corrected the counts: they replace earlier ones even when lower",
    )

    def subject(self) -> str:
        return self.item_id


@register
class VotesRecorded(EventData):
    """How many votes of each kind one transaction of the ledger added to an agency's items. One
    event per agency per ledger batch, however many items it touched, so what the platform totals
    per agency (the home page's supports) costs one write per batch instead of one per item. Only
    new ledger votes count: a recount that repairs a tally moves no total. Keyed by the agency."""

    TYPE = "votes.recorded"
    TOPIC = Topic.TALLIES.value
    PUBLIC = False
    SUMMARY = "the ledger recorded votes: how many of each kind, per agency, in one batch"
    agency: str
    by_kind: dict[str, int] = Field(description="New votes per kind")
    items: int = Field(ge=0, description="Items that gained votes")

    def subject(self) -> str:
        return self.agency


@register
class BallotClosed(EventData):
    """The final result of a ballot whose voting period ended: counted from the ledger once every
    vote accepted before the close was recorded. Published once per item."""

    TYPE = "ballot.closed"
    TOPIC = Topic.TALLIES.value
    SUMMARY = "A ballot's voting period ended; the final counts are published"
    item_id: str
    kind: str
    total: int = Field(ge=0, description="Distinct voters counted")
    counts: dict[str, int] = Field(default_factory=dict, description="Per option (zeros included)")
    closes_at: datetime = Field(description="The end of the voting period")
    as_of: datetime = Field(description="Time of the newest vote counted (closes_at when none)")
    final: bool = True

    def subject(self) -> str:
        return self.item_id
