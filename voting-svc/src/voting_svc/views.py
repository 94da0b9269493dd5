"""The read side: an item's tally (ledger-backed) with its live Redis count.

Popular items are read far more often than they change, so each process keeps a tally for a
second before reading MongoDB again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.ledger import Ledger
from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.domain.decision import decide_from_counts
from voting_svc.domain.tally import Tally, with_all_options

log = logging.getLogger(__name__)


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

    async def read(self, ballot: Ballot) -> dict[str, Any]:
        tally = await self._tally(ballot.item_id) or Tally(item_id=ballot.item_id, kind=ballot.kind.value)
        live_total: int | None
        try:
            live_total, _ = await self.votes.live(ballot.item_id)
        except RedisError:
            log.warning("live counter unreachable for %s", ballot.item_id, exc_info=True)
            live_total = None
        counts = with_all_options(tally.counts, ballot.option_keys())
        out: dict[str, Any] = {
            "item_id": ballot.item_id,
            "kind": ballot.kind.value,
            "status": ballot.status.value,
            "total": tally.total,
            "counts": counts,
            "seq": tally.seq,
            "as_of": tally.as_of.isoformat() if tally.as_of else None,
            "live_total": live_total,
        }
        if ballot.kind == VoteKind.DECISION and ballot.budget_krw is not None:
            result = decide_from_counts(counts, ballot.budget_krw)
            out["decision"] = {
                "quorum": result.quorum,
                "turnout": result.turnout,
                "yes": result.yes,
                "no": result.no,
                "majority": result.majority,
                "quorum_met": result.quorum_met,
                "passed": result.passed,
            }
        return out
