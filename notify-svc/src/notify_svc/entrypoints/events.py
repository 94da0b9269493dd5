"""Event handlers. Two consumer groups: follows (votes are the heavy stream) and broadcasts,
so a burst of votes never delays telling people what happened; a third reads the agency registry's
events (a closed agency's webhooks pause); a fourth the accounts' contact facts."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    AccountCreated,
    AgencyClosed,
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionStarted,
    ItemClosed,
    MilestoneReached,
    ProposalModerated,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewAnswerReturned,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    ReviewCaseOverdue,
    ReviewCaseReassigned,
    ReviewReassignmentDeclined,
    ReviewReassignmentRequested,
    ReviewReminderDue,
    VoteCast,
    VotesCast,
)
from gongnon_contracts.events.proposals import CommentModerated, ProposalFollowed, ProposalUnfollowed
from notify_svc.adapters.authors import ItemAuthors
from notify_svc.adapters.contacts import ContactRepository
from notify_svc.domain.audience import FollowReason, FollowWish
from notify_svc.service_layer.agency_closure import AgencyClosure
from notify_svc.service_layer.civic_notices import CivicNotices
from notify_svc.service_layer.notices import Notices
from notify_svc.service_layer.notifier import Notifier

log = logging.getLogger(__name__)


def register_follow_handlers(consumer: EventConsumer, notifier: Notifier, authors: ItemAuthors | None = None) -> None:
    @consumer.on(ProposalSubmitted)
    async def on_submitted(ev: ProposalSubmitted, env: Envelope, tx: Tx) -> None:
        await notifier.remember_title(tx, ev.item_id, ev.title, env.agency)
        if authors is not None:
            await authors.remember(ev.item_id, ev.author_account, tx.session)
        await notifier.follow(
            tx,
            item_id=ev.item_id,
            account_id=ev.author_account,
            since=env.time,
            reason=FollowReason.AUTHOR,
            agency=env.agency,
        )

    # A second delivery of a vote adds its voter to a chunk again, which changes what no one is
    # told (one notification per broadcast and account), so votes need no inbox marker.
    async def follow_voters(votes: Iterable[tuple[VoteCast, Envelope]], tx: Tx) -> None:
        # In bulk: votes are the heavy stream (one chunk per item per batch, not per vote).
        wishes = [
            FollowWish(
                ev.item_id,
                ev.account_id,
                ev.cast_at,
                frozenset({FollowReason.SUPPORTER if ev.kind == "support" else FollowReason.VOTER}),
                env.agency,
            )
            for ev, env in votes
            # Ballots cast at an office carry the importing operator's account, not the voter's.
            if ev.channel != "offline"
        ]
        if wishes:
            await notifier.follow_many(tx, wishes)

    # Following explicitly (the item's page): told from now on, like a supporter. One item's
    # follow and unfollow travel in order on its partition.
    @consumer.on(ProposalFollowed)
    async def on_followed(ev: ProposalFollowed, env: Envelope, tx: Tx) -> None:
        await notifier.followed(tx, ev, env)

    @consumer.on(ProposalUnfollowed)
    async def on_unfollowed(ev: ProposalUnfollowed, env: Envelope, tx: Tx) -> None:
        await notifier.unfollowed(tx, ev, env)

    @consumer.on_many(VoteCast, idempotent=True)
    async def on_votes(votes: list[tuple[VoteCast, Envelope]], tx: Tx) -> None:
        await follow_voters(votes, tx)

    @consumer.on_many(VotesCast, idempotent=True)
    async def on_vote_batches(batches: list[tuple[VotesCast, Envelope]], tx: Tx) -> None:
        await follow_voters(((v, env) for batch, env in batches for v in batch.votes), tx)


def register_civic_handlers(consumer: EventConsumer, civic: CivicNotices) -> None:
    """The committee's and execution's steps: followers hear each; staff what they act on next."""

    @consumer.on(CommitteeAgendaOpened)
    async def on_agenda(ev: CommitteeAgendaOpened, env: Envelope, tx: Tx) -> None:
        await civic.agenda_opened(tx, ev, env)

    @consumer.on(CommitteeSelectionDecided)
    async def on_selection(ev: CommitteeSelectionDecided, env: Envelope, tx: Tx) -> None:
        await civic.selection_decided(tx, ev, env)

    @consumer.on(CommitteePlanSubmitted)
    async def on_plan(ev: CommitteePlanSubmitted, env: Envelope, tx: Tx) -> None:
        await civic.plan_submitted(tx, ev, env)

    @consumer.on(CommitteeVerdictGiven)
    async def on_verdict(ev: CommitteeVerdictGiven, env: Envelope, tx: Tx) -> None:
        await civic.verdict_given(tx, ev, env)

    @consumer.on(CommitteeVerdictOverdue)
    async def on_verdict_overdue(ev: CommitteeVerdictOverdue, env: Envelope, tx: Tx) -> None:
        await civic.verdict_overdue(tx, ev, env)

    @consumer.on(ExecutionStarted)
    async def on_started(ev: ExecutionStarted, env: Envelope, tx: Tx) -> None:
        await civic.execution_started(tx, ev, env)

    @consumer.on(ExecutionProgressed)
    async def on_progress(ev: ExecutionProgressed, env: Envelope, tx: Tx) -> None:
        await civic.execution_progressed(tx, ev, env)

    @consumer.on(ExecutionCompleted)
    async def on_completed(ev: ExecutionCompleted, env: Envelope, tx: Tx) -> None:
        await civic.execution_completed(tx, ev, env)


def register_broadcast_handlers(consumer: EventConsumer, notifier: Notifier, notices: Notices) -> None:
    """What happens to items (told to their followers) and notices to staff for their role."""

    @consumer.on(MilestoneReached)
    async def on_milestone(ev: MilestoneReached, env: Envelope, tx: Tx) -> None:
        await notifier.milestone_reached(tx, ev, env)

    @consumer.on(ItemClosed)
    async def on_closed(ev: ItemClosed, env: Envelope, tx: Tx) -> None:
        await notifier.item_closed(tx, ev, env)

    @consumer.on(ReviewCaseOpened)
    async def on_case_opened(ev: ReviewCaseOpened, env: Envelope, tx: Tx) -> None:
        await notifier.case_opened(tx, ev, env)  # followers: the department reviews it
        await notices.case_opened(tx, ev, env)  # the department's officers: a new case

    @consumer.on(ReviewAnswerPublished)
    async def on_answer_published(ev: ReviewAnswerPublished, env: Envelope, tx: Tx) -> None:
        await notifier.answer_published(tx, ev, env)

    @consumer.on(ReviewCaseOverdue)
    async def on_case_overdue(ev: ReviewCaseOverdue, env: Envelope, tx: Tx) -> None:
        # Overdue is shown publicly on the item; it escalates to the head and the operators.
        log.info("review case %s for item %s is overdue (due %s)", ev.case_id, ev.item_id, ev.due_at.isoformat())
        await notices.case_overdue(tx, ev, env)

    @consumer.on(ReviewReminderDue)
    async def on_reminder(ev: ReviewReminderDue, env: Envelope, tx: Tx) -> None:
        await notices.reminder_due(tx, ev, env)

    @consumer.on(ReviewReassignmentRequested)
    async def on_reassign_requested(ev: ReviewReassignmentRequested, env: Envelope, tx: Tx) -> None:
        await notices.reassignment_requested(tx, ev, env)

    @consumer.on(ReviewCaseReassigned)
    async def on_reassigned(ev: ReviewCaseReassigned, env: Envelope, tx: Tx) -> None:
        await notifier.case_reassigned(tx, ev, env)  # followers: another department answers
        await notices.case_reassigned(tx, ev, env)  # the departments: the case came / went

    @consumer.on(ReviewReassignmentDeclined)
    async def on_reassign_declined(ev: ReviewReassignmentDeclined, env: Envelope, tx: Tx) -> None:
        await notices.reassignment_declined(tx, ev, env)

    @consumer.on(ReviewAnswerSubmitted)
    async def on_answer_submitted(ev: ReviewAnswerSubmitted, env: Envelope, tx: Tx) -> None:
        await notices.answer_submitted(tx, ev, env)

    @consumer.on(ReviewAnswerReturned)
    async def on_answer_returned(ev: ReviewAnswerReturned, env: Envelope, tx: Tx) -> None:
        await notices.answer_returned(tx, ev, env)

    # The author is told of a moderation decision on their proposal or comment, with its reason.
    @consumer.on(ProposalModerated)
    async def on_moderated(ev: ProposalModerated, env: Envelope, tx: Tx) -> None:
        await notices.proposal_moderated(tx, ev, env)

    @consumer.on(CommentModerated)
    async def on_comment_moderated(ev: CommentModerated, env: Envelope, tx: Tx) -> None:
        await notices.comment_moderated(tx, ev, env)


def register_account_handlers(consumer: EventConsumer, contacts: ContactRepository) -> None:
    """How to reach each account (`account.created` from the gateway): an upsert, so a second
    delivery changes nothing."""

    @consumer.on(AccountCreated)
    async def on_account(ev: AccountCreated, env: Envelope, tx: Tx) -> None:
        await contacts.record(ev, tx.session)


def register_agency_handlers(consumer: EventConsumer, closure: AgencyClosure) -> None:
    """`agency.updated` changes nothing here (subscriptions name the agency by its id, which never
    changes); `agency.closed` pauses the agency's webhook subscriptions."""

    @consumer.on(AgencyClosed)
    async def on_agency_closed(ev: AgencyClosed, env: Envelope, tx: Tx) -> None:
        await closure.closed(tx, ev.agency_id, ev.closed_at)
