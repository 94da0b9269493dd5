"""Event handlers (thin): each hands the event, and the transaction the chassis consumer opened
for it with its inbox marker, to the service layer.

Three consumer groups, so a backlog of one never holds up another: voting-svc's tallies and
results (of every item), review news of proposals, and review news of debates and consultations."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import (
    BallotClosed,
    DecisionVoteDecided,
    DecisionVoteOpened,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
)
from proposal_svc.domain.civic_steps import CIVIC_EVENTS
from proposal_svc.service_layer.civic_progress import CivicProgress
from proposal_svc.service_layer.deliberations import DeliberationService
from proposal_svc.service_layer.review_progress import ReviewProgress
from proposal_svc.service_layer.tallies import TallyService

# Tally events per batch. The counts are written outside the batch's transaction and the
# transaction holds only the rules that fire (service_layer/tallies.py): on SecantusDB a long
# statement inside a transaction holds up every other transaction, so the transaction stays short
# however many items a batch names. A consumer that fell behind takes up to this many at once, and
# the snapshots of one item in a batch are applied as one write: the larger the batch, the fewer
# writes per vote exactly when the database is the bottleneck (spread supports).
TALLY_BATCH = 2000


def register_tallies(consumer: EventConsumer, tallies: TallyService, deliberations: DeliberationService) -> None:
    """voting-svc's stream: every tally (proposals' supports, debates' participants) and ballot
    result, one consumer group."""

    # Idempotent: counts under $max, each firing recorded once by its guard; no inbox markers.
    @consumer.on_many(TallyUpdated, idempotent=True)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        await tallies.apply_tallies(tx, [ev for ev, _ in batch])

    @consumer.on(BallotClosed)
    async def on_ballot_closed(ev: BallotClosed, env: Envelope, tx: Tx) -> None:
        await deliberations.record_result(tx, ev)

    @consumer.on(DecisionVoteOpened)
    async def on_decision_opened(ev: DecisionVoteOpened, env: Envelope, tx: Tx) -> None:
        await tallies.record_decision_opened(tx, ev)

    @consumer.on(DecisionVoteDecided)
    async def on_decision_decided(ev: DecisionVoteDecided, env: Envelope, tx: Tx) -> None:
        await tallies.record_decision(tx, ev)


def register_civic_progress(consumer: EventConsumer, civic: CivicProgress) -> None:
    """The committee's and execution's steps (review-svc), on the proposals' review consumer."""

    async def on_step(ev: EventData, env: Envelope, tx: Tx) -> None:
        await civic.step(tx, ev, env.time)

    for event_type in CIVIC_EVENTS:
        consumer.on(event_type)(on_step)


def register_review_progress(consumer: EventConsumer, progress: ReviewProgress[Any]) -> None:
    @consumer.on(ReviewCaseOpened)
    async def on_case_opened(ev: ReviewCaseOpened, env: Envelope, tx: Tx) -> None:
        await progress.case_opened(tx, ev, env.time)

    @consumer.on(ReviewAnswerSubmitted)
    async def on_answer_submitted(ev: ReviewAnswerSubmitted, env: Envelope, tx: Tx) -> None:
        await progress.answer_submitted(tx, ev, env.time)

    @consumer.on(ReviewAnswerPublished)
    async def on_answer_published(ev: ReviewAnswerPublished, env: Envelope, tx: Tx) -> None:
        await progress.answer_published(tx, ev)
