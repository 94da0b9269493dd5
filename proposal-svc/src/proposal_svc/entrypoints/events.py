"""Event handlers (thin): each hands the event, and the transaction the chassis consumer opened
for it with its inbox marker, to the service layer.

Three consumer groups, so a backlog of one never holds up another: proposals' tallies, review
news of proposals, and everything about debates and consultations (their participants' tallies,
results and review news)."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    BallotClosed,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
)
from proposal_svc.service_layer.deliberations import DeliberationService
from proposal_svc.service_layer.review_progress import ReviewProgress
from proposal_svc.service_layer.tallies import TallyService

# Tally events per transaction. On SecantusDB one long statement inside a transaction holds up every
# other transaction's statements (its registry waits on that transaction's lock), so batches of 50
# and 500 made the webhooks bench and proposal submissions stall (503s) where single events did not.
# The handlers take batches of any size (real MongoDB has no such lock).
TALLY_BATCH = 1


def register_support_tallies(consumer: EventConsumer, tallies: TallyService) -> None:
    @consumer.on_many(TallyUpdated)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        await tallies.apply_support_tallies(tx, [ev for ev, _ in batch])


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


def register_deliberation_handlers(
    consumer: EventConsumer, tallies: TallyService, deliberations: DeliberationService, progress: ReviewProgress[Any]
) -> None:
    @consumer.on_many(TallyUpdated)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        await tallies.apply_participant_tallies(tx, [ev for ev, _ in batch])

    @consumer.on(BallotClosed)
    async def on_ballot_closed(ev: BallotClosed, env: Envelope, tx: Tx) -> None:
        await deliberations.record_result(tx, ev)

    register_review_progress(consumer, progress)
