"""Event handlers of debates and consultations (thin). A consumer group of their own, so their
work never waits behind proposals' tallies and reviews (and the other way round)."""

from __future__ import annotations

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    BallotClosed,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
)
from proposal_svc import deliberations
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.entrypoints.events import TALLY_BATCH


def register_deliberation_consumers(rt: Runtime, prepo: ProposalRepository, drepo: DeliberationRepository) -> None:
    c = rt.consumer("deliberations", batch_size=TALLY_BATCH)

    @c.on_many(TallyUpdated)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        await deliberations.apply_tallies(prepo, drepo, tx, [ev for ev, _ in batch])

    @c.on(BallotClosed)
    async def on_ballot_closed(ev: BallotClosed, env: Envelope, tx: Tx) -> None:
        await deliberations.record_result(prepo, drepo, tx, ev)

    @c.on(ReviewCaseOpened)
    async def on_case_opened(ev: ReviewCaseOpened, env: Envelope, tx: Tx) -> None:
        await deliberations.case_opened(drepo, tx, ev, env)

    @c.on(ReviewAnswerSubmitted)
    async def on_answer_submitted(ev: ReviewAnswerSubmitted, env: Envelope, tx: Tx) -> None:
        await deliberations.answer_submitted(drepo, tx, ev, env)

    @c.on(ReviewAnswerPublished)
    async def on_answer_published(ev: ReviewAnswerPublished, env: Envelope, tx: Tx) -> None:
        await deliberations.answer_published(drepo, tx, ev, env)
