"""Closing ballots on time: a periodic scan finds open ballots whose period ended, waits until
the ledger writer has recorded every vote already on Kafka, counts the ledger and publishes the
final result (`ballot.closed`) together with the ballot's new status, once per item."""

from __future__ import annotations

import logging
from datetime import timedelta

from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import BallotClosed, DecisionVoteDecided
from voting_svc.adapters.ballots import BallotCache, BallotRepository
from voting_svc.adapters.ledger import Ledger
from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.domain.closing import FinalResult, count_inside, due_to_close, final_result
from voting_svc.domain.decision import decide_from_counts
from voting_svc.domain.tally import CountedVote, TallyDelta
from voting_svc.service_layer.recovery import CATCH_UP_TIMEOUT_S, RECOUNT_CHUNK, CatchUp

log = logging.getLogger(__name__)

BATCH = 100
# A vote that passed the open check just before the end is on Kafka within the producer's
# request timeout (15 s); the scan waits this long after the end before it counts.
DEFAULT_CLOSE_GRACE = timedelta(seconds=20)


def closed_event(r: FinalResult) -> BallotClosed:
    assert r.closes_at is not None
    return BallotClosed(
        item_id=r.item_id,
        kind=r.kind,
        total=r.total,
        counts=r.counts,
        closes_at=r.closes_at,
        as_of=r.as_of or r.closes_at,
    )


def decided_event(ballot: Ballot, r: FinalResult) -> DecisionVoteDecided | None:
    """A decision ballot's result, with the quorum fixed when it opened; None for other kinds."""
    if ballot.kind != VoteKind.DECISION or ballot.budget_krw is None:
        return None
    assert r.closes_at is not None
    d = decide_from_counts(r.counts, ballot.budget_krw, ballot.quorum)
    return DecisionVoteDecided(
        item_id=ballot.item_id,
        source_item_id=ballot.source_item_id,
        budget_krw=ballot.budget_krw,
        yes=d.yes,
        no=d.no,
        turnout=d.turnout,
        quorum=d.quorum,
        passed=d.passed,
        closes_at=r.closes_at,
    )


class BallotCloser:
    def __init__(
        self,
        store: Store,
        ballots: BallotRepository,
        ledger: Ledger,
        cache: BallotCache,
        catch_up: CatchUp,
        grace: timedelta = DEFAULT_CLOSE_GRACE,
    ) -> None:
        self.store = store
        self.ballots = ballots
        self.ledger = ledger
        self.cache = cache
        self.catch_up = catch_up
        self.grace = grace

    async def scan(self) -> int:
        """Close every ballot that is due; returns how many this instance closed."""
        closed = 0
        while True:
            now = self.store.clock.now()
            found = await self.ballots.due_to_close(now - self.grace, BATCH)
            due = [b for b in found if due_to_close(b, now, self.grace)]
            if not due:
                return closed
            # Every vote accepted before the end is on Kafka by now; wait until it is in the ledger.
            await self.catch_up(CATCH_UP_TIMEOUT_S)
            for ballot in due:
                if await self.close(ballot):
                    closed += 1
            if len(found) < BATCH:
                return closed

    async def count(self, ballot: Ballot) -> FinalResult:
        counted = TallyDelta()
        chunk: list[CountedVote] = []
        async for v in self.ledger.votes_of(ballot.item_id):
            chunk.append(v)
            if len(chunk) >= RECOUNT_CHUNK:
                counted = count_inside(ballot, chunk, counted)
                chunk = []
        return final_result(ballot, count_inside(ballot, chunk, counted))

    async def close(self, ballot: Ballot) -> bool:
        result = await self.count(ballot)

        async def body(tx: Tx) -> bool:
            final = {"total": result.total, "counts": result.counts, "as_of": result.as_of}
            # Conditional on the ballot still being open: another instance may have closed it.
            if not await self.ballots.close_with_result(tx, ballot.item_id, final):
                return False
            tx.emit(closed_event(result), agency=ballot.agency)
            decided = decided_event(ballot, result)
            if decided is not None:
                tx.emit(decided, agency=ballot.agency)
            return True

        done = await self.store.transaction(body)
        self.cache.forget(ballot.item_id)
        if done:
            log.info("ballot %s closed: %d voter(s) %s", ballot.item_id, result.total, result.counts)
        return done
