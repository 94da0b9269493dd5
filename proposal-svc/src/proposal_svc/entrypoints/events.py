"""Event handlers (thin). The chassis runs each in one transaction with its inbox marker."""

from __future__ import annotations

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import ReviewAnswerPublished, ReviewAnswerSubmitted, ReviewCaseOpened, TallyUpdated
from proposal_svc import handlers
from proposal_svc.adapters.repository import ProposalRepository

# Tally events per transaction. On SecantusDB one long statement inside a transaction holds up every
# other transaction's statements (its registry waits on that transaction's lock), so batches of 50
# and 500 made the webhooks bench and proposal submissions stall (503s) where single events did not.
# The handlers take batches of any size (real MongoDB has no such lock).
TALLY_BATCH = 1


def register_consumers(rt: Runtime, repo: ProposalRepository) -> None:
    # Two groups, so a backlog of tallies never holds up review news (and the other way round).
    tallies = rt.consumer("tallies", batch_size=TALLY_BATCH)
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
