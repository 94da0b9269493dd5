"""Closing a ballot whose period ended, and its final result. Pure.

The final result is counted from the ledger (the truth), and only votes cast before the ballot's
end count: a vote is accepted only while `Ballot.check_open` passes, so this is a safeguard
against clock skew between instances rather than a filter that normally removes anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from voting_svc.domain.ballot import Ballot, BallotStatus
from voting_svc.domain.tally import CountedVote, TallyDelta, combine, count, with_all_options


@dataclass(frozen=True)
class FinalResult:
    item_id: str
    kind: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    closes_at: datetime | None = None
    as_of: datetime | None = None  # the newest vote counted


def due_to_close(ballot: Ballot, now: datetime, grace: timedelta) -> bool:
    """The period ended at least `grace` ago (votes accepted just before the end have reached
    Kafka by then) and the ballot is still open."""
    return ballot.status == BallotStatus.OPEN and ballot.closes_at is not None and ballot.closes_at + grace <= now


def count_inside(ballot: Ballot, votes: Iterable[CountedVote], so_far: TallyDelta | None = None) -> TallyDelta:
    """Add the votes cast inside the ballot's period to `so_far` (for counting a ledger in chunks)."""
    end = ballot.closes_at
    inside = count(v for v in votes if end is None or v.cast_at < end)
    return inside if so_far is None else combine(so_far, inside)


def final_result(ballot: Ballot, counted: TallyDelta) -> FinalResult:
    """The published result: every option listed, zeros included, in the ballot's order."""
    return FinalResult(
        item_id=ballot.item_id,
        kind=ballot.kind.value,
        total=counted.total,
        counts=with_all_options(counted.counts, ballot.option_keys()),
        closes_at=ballot.closes_at,
        as_of=counted.newest,
    )
