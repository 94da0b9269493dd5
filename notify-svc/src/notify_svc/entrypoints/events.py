"""Event handlers. Two consumer groups: follows (votes are the heavy stream) and broadcasts,
so a burst of votes never delays telling people what happened; a third reads the agency registry's
events (a closed agency's webhooks pause)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    AgencyClosed,
    MilestoneReached,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewCaseOpened,
    ReviewCaseOverdue,
    VoteCast,
    VotesCast,
)
from notify_svc.domain.audience import FollowReason, FollowWish
from notify_svc.service_layer.agency_closure import AgencyClosure
from notify_svc.service_layer.notifier import Notifier

log = logging.getLogger(__name__)


def register_follow_handlers(consumer: EventConsumer, notifier: Notifier) -> None:
    @consumer.on(ProposalSubmitted)
    async def on_submitted(ev: ProposalSubmitted, env: Envelope, tx: Tx) -> None:
        await notifier.remember_title(tx, ev.item_id, ev.title, env.agency)
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

    @consumer.on_many(VoteCast, idempotent=True)
    async def on_votes(votes: list[tuple[VoteCast, Envelope]], tx: Tx) -> None:
        await follow_voters(votes, tx)

    @consumer.on_many(VotesCast, idempotent=True)
    async def on_vote_batches(batches: list[tuple[VotesCast, Envelope]], tx: Tx) -> None:
        await follow_voters(((v, env) for batch, env in batches for v in batch.votes), tx)


def register_broadcast_handlers(consumer: EventConsumer, notifier: Notifier) -> None:
    @consumer.on(MilestoneReached)
    async def on_milestone(ev: MilestoneReached, env: Envelope, tx: Tx) -> None:
        await notifier.milestone_reached(tx, ev, env)

    @consumer.on(ReviewCaseOpened)
    async def on_case_opened(ev: ReviewCaseOpened, env: Envelope, tx: Tx) -> None:
        await notifier.case_opened(tx, ev, env)

    @consumer.on(ReviewAnswerPublished)
    async def on_answer_published(ev: ReviewAnswerPublished, env: Envelope, tx: Tx) -> None:
        await notifier.answer_published(tx, ev, env)

    @consumer.on(ReviewCaseOverdue)
    async def on_case_overdue(ev: ReviewCaseOverdue, env: Envelope, tx: Tx) -> None:
        # Overdue is shown publicly on the item; followers are not messaged about it.
        log.info("review case %s for item %s is overdue (due %s)", ev.case_id, ev.item_id, ev.due_at.isoformat())


def register_agency_handlers(consumer: EventConsumer, closure: AgencyClosure) -> None:
    """`agency.updated` changes nothing here (subscriptions name the agency by its id, which never
    changes); `agency.closed` pauses the agency's webhook subscriptions."""

    @consumer.on(AgencyClosed)
    async def on_agency_closed(ev: AgencyClosed, env: Envelope, tx: Tx) -> None:
        await closure.closed(tx, ev.agency_id, ev.closed_at)
