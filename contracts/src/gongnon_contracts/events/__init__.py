"""Every event the platform emits, grouped by the service that owns it."""

from gongnon_contracts.events.agencies import AgencyClosed, AgencyRegistered, AgencyUpdated
from gongnon_contracts.events.deliberations import DeliberationOpened, DeliberationResultPublished
from gongnon_contracts.events.notifications import NotificationCreated
from gongnon_contracts.events.proposals import (
    ItemClosed,
    MilestoneReached,
    ProposalModerated,
    ProposalSubmitted,
    RuleExpired,
)
from gongnon_contracts.events.reviews import (
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    ReviewCaseOverdue,
)
from gongnon_contracts.events.votes import BallotClosed, TallyUpdated, VoteCast, VotesCast

__all__ = [
    "AgencyClosed",
    "AgencyRegistered",
    "AgencyUpdated",
    "BallotClosed",
    "DeliberationOpened",
    "DeliberationResultPublished",
    "ItemClosed",
    "MilestoneReached",
    "NotificationCreated",
    "ProposalModerated",
    "ProposalSubmitted",
    "ReviewAnswerPublished",
    "ReviewAnswerSubmitted",
    "ReviewCaseOpened",
    "ReviewCaseOverdue",
    "RuleExpired",
    "TallyUpdated",
    "VoteCast",
    "VotesCast",
]
