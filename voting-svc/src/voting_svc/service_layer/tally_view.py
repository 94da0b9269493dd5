"""The read side: an item's tally (ledger-backed) with its live Redis count, and for a decision
ballot whether it passes.

Popular items are read far more often than they change, so each process keeps a tally for a
second before reading MongoDB again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.ledger import Ledger
from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.domain.decision import DecisionResult, decide_from_counts
from voting_svc.domain.tally import Tally, with_all_options

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TallyReading:
    ballot: Ballot
    tally: Tally
    counts: dict[str, int]  # every option of the ballot, zeros included, in its order
    live_total: int | None  # None while the live counter is unreachable
    decision: DecisionResult | None  # decision ballots with a budget only


class TallyView:
    def __init__(
        self, ledger: Ledger, votes: RedisVotes, ttl_s: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ledger = ledger
        self.votes = votes
        self.ttl_s = ttl_s
        self._now = monotonic
        self._cache: dict[str, tuple[float, Tally | None]] = {}

    def forget(self, item_id: str) -> None:
        self._cache.pop(item_id, None)

    async def _tally(self, item_id: str) -> Tally | None:
        hit = self._cache.get(item_id)
        if hit is not None and hit[0] > self._now():
            return hit[1]
        tally = await self.ledger.tally(item_id)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[item_id] = (self._now() + self.ttl_s, tally)
        return tally

    async def read(self, ballot: Ballot) -> TallyReading:
        tally = await self._tally(ballot.item_id) or Tally(item_id=ballot.item_id, kind=ballot.kind.value)
        live_total: int | None
        try:
            live_total, _ = await self.votes.live(ballot.item_id)
        except RedisError:
            log.warning("live counter unreachable for %s", ballot.item_id, exc_info=True)
            live_total = None
        counts = with_all_options(tally.counts, ballot.option_keys())
        decision = None
        if ballot.kind == VoteKind.DECISION and ballot.budget_krw is not None:
            decision = decide_from_counts(counts, ballot.budget_krw, ballot.quorum)
        return TallyReading(ballot, tally, counts, live_total, decision)
