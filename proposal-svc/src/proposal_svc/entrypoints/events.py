"""Event handlers (thin). The chassis runs each in one transaction with its inbox marker."""

from __future__ import annotations

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import ReviewAnswerPublished, ReviewAnswerSubmitted, ReviewCaseOpened, TallyUpdated
from proposal_svc import handlers
from proposal_svc.adapters.repository import ProposalRepository

TALLY_BATCH = 500


def register_consumers(rt: Runtime, repo: ProposalRepository) -> None:
    # Two groups, so a backlog of tallies never holds up review news (and the other way round).
    # Tallies: whatever has arrived is applied in one transaction (in stream order, so per item).
    tallies = rt.consumer("tallies", batch_size=TALLY_BATCH, linger=False)
    reviews = rt.consumer("reviews")

    @tallies.on_many(TallyUpdated)
    async def on_tallies(batch: list[tuple[TallyUpdated, Envelope]], tx: Tx) -> None:
        await handlers.apply_tallies(repo, tx, [ev for ev, _ in batch])

    @reviews.on(ReviewCaseOpened)
    async def on_case_opened(ev: ReviewCaseOpened, env: Envelope, tx: Tx) -> None:
        await handlers.case_opened(repo, tx, ev, env)

    @reviews.on(ReviewAnswerSubmitted)
    async def on_answer_submitted(ev: ReviewAnswerSubmitted, env: Envelope, tx: Tx) -> None:
        await handlers.answer_submitted(repo, tx, ev, env)

    @reviews.on(ReviewAnswerPublished)
    async def on_answer_published(ev: ReviewAnswerPublished, env: Envelope, tx: Tx) -> None:
        await handlers.answer_published(repo, tx, ev, env)
