"""Tally arithmetic: counts are a projection of the ledger (one vote per voter per item).

Snapshots carry absolute counts and a per-item `seq` that only grows, so a consumer that sees
them late, twice or out of order keeps the newest and never misses a threshold crossing."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

V = TypeVar("V")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CountedVote:
    """What a tally needs of a vote."""

    voter: str
    choices: tuple[str, ...]
    cast_at: datetime


@dataclass(frozen=True)
class TallyDelta:
    """What a set of new votes adds: voters, per-option counts, the newest vote time."""

    total: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    newest: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class Tally:
    item_id: str
    kind: str
    total: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    seq: int = 0
    as_of: datetime | None = None

    def add(self, delta: TallyDelta) -> Tally:
        """The next snapshot; unchanged (same seq) when nothing new was counted."""
        if delta.empty:
            return self
        counts = dict(self.counts)
        for key, n in delta.counts.items():
            counts[key] = counts.get(key, 0) + n
        return Tally(
            item_id=self.item_id,
            kind=self.kind,
            total=self.total + delta.total,
            counts=counts,
            seq=self.seq + 1,
            as_of=_latest(self.as_of, delta.newest),
        )

    def same_counts(self, other: Tally) -> bool:
        return self.total == other.total and _nonzero(self.counts) == _nonzero(other.counts)

    def corrected(self, truth: TallyDelta) -> Tally | None:
        """The repaired snapshot if the recount `truth` disagrees with this one, else None."""
        fixed = Tally(self.item_id, self.kind, truth.total, _nonzero(truth.counts), self.seq + 1, truth.newest)
        return None if self.same_counts(fixed) else fixed


def count(votes: Iterable[CountedVote]) -> TallyDelta:
    """Count votes that are already one per voter."""
    total = 0
    counts: dict[str, int] = {}
    newest: datetime | None = None
    for v in votes:
        total += 1
        for c in v.choices:
            counts[c] = counts.get(c, 0) + 1
        newest = _latest(newest, v.cast_at)
    return TallyDelta(total=total, counts=counts, newest=newest)


def first_per_key(items: Iterable[V], key: Callable[[V], K]) -> list[V]:
    """Keep the first item for each key, in order (the first accepted vote of a voter wins)."""
    seen: set[K] = set()
    out: list[V] = []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


def with_all_options(counts: Mapping[str, int], option_keys: Sequence[str]) -> dict[str, int]:
    """Counts with a zero for every option nobody picked yet, in the ballot's order."""
    out = {k: counts.get(k, 0) for k in option_keys}
    for k, n in counts.items():
        out.setdefault(k, n)
    return out


def _nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: n for k, n in counts.items() if n}


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def combine(a: TallyDelta, b: TallyDelta) -> TallyDelta:
    """Two counts of disjoint sets of votes, as one (for counting a large ledger in chunks)."""
    counts = dict(a.counts)
    for k, n in b.counts.items():
        counts[k] = counts.get(k, 0) + n
    return TallyDelta(total=a.total + b.total, counts=counts, newest=_latest(a.newest, b.newest))
