"""Every event the platform emits, grouped by the service that owns it."""

from gongnon_contracts.events.accounts import AccountCreated
from gongnon_contracts.events.agencies import AgencyClosed, AgencyRegistered, AgencyUpdated
from gongnon_contracts.events.committee import (
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionReportPublished,
    ExecutionStarted,
)
from gongnon_contracts.events.decisions import (
    DecisionVoteDecided,
    DecisionVoteOpened,
    DecisionVoteRequested,
    decision_item_id,
)
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
    ReviewAnswerReturned,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    ReviewCaseOverdue,
    ReviewCaseReassigned,
    ReviewReassignmentDeclined,
    ReviewReassignmentRequested,
    ReviewReminderDue,
)
from gongnon_contracts.events.votes import BallotClosed, TallyUpdated, VoteCast, VotesCast, VotesRecorded

__all__ = [
    "AccountCreated",
    "AgencyClosed",
    "AgencyRegistered",
    "AgencyUpdated",
    "BallotClosed",
    "CommitteeAgendaOpened",
    "CommitteePlanSubmitted",
    "CommitteeSelectionDecided",
    "CommitteeVerdictGiven",
    "CommitteeVerdictOverdue",
    "DecisionVoteDecided",
    "DecisionVoteOpened",
    "DecisionVoteRequested",
    "DeliberationOpened",
    "DeliberationResultPublished",
    "ExecutionCompleted",
    "ExecutionProgressed",
    "ExecutionReportPublished",
    "ExecutionStarted",
    "ItemClosed",
    "MilestoneReached",
    "NotificationCreated",
    "ProposalModerated",
    "ProposalSubmitted",
    "ReviewAnswerPublished",
    "ReviewAnswerReturned",
    "ReviewAnswerSubmitted",
    "ReviewCaseOpened",
    "ReviewCaseOverdue",
    "ReviewCaseReassigned",
    "ReviewReassignmentDeclined",
    "ReviewReassignmentRequested",
    "ReviewReminderDue",
    "RuleExpired",
    "TallyUpdated",
    "VoteCast",
    "VotesCast",
    "VotesRecorded",
    "decision_item_id",
]
