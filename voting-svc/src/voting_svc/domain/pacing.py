"""How far behind the accepted votes the pipeline that records and shows them may fall.

Accepting a support costs a Redis claim and a Kafka record; recording it costs the database
(ledger, tally, and every projection of the count downstream). Spread over thousands of items the
second costs several times the first, so a city-wide burst can be accepted faster than it is
recorded: the write-behind then grows without bound and the counts and milestones citizens see fall
minutes behind (`./dev bench spread`). A bound per consumer group keeps it seconds behind: above
it, new votes are held briefly before they are accepted (never refused for it), so the callers'
own pace drops to what the pipeline sustains.

The bound is time: a group may be as many records behind as it commits in `behind_s` seconds at
the pace it has been committing (`DrainRate`), and never held below a floor in records (so that
batches still form when the pace is not known yet). A count of records alone is hardware's: 400
records are 1.5 s of a 2-core machine's spread votes and a fraction of a second of a bigger
database's, where holding at 400 would only make batches smaller. Pure: the adapter measures how
far behind each group is and how much it has committed, the service holds the votes."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bound:
    """Records of `topic` not yet committed by consumer group `group`: at most what it commits in
    the pacer's `behind_s`, and `max_behind` whatever its pace (the floor)."""

    topic: str
    group: str
    max_behind: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.topic, self.group)


@dataclass(frozen=True)
class Progress:
    """A group on a topic: records it has not committed, and the sum of its committed offsets."""

    behind: int
    committed: int


def parse_bounds(spec: str) -> list[Bound]:
    """`topic:group:max[,topic:group:max…]` (the setting's form); empty: no bound."""
    bounds: list[Bound] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        topic, sep, rest = part.partition(":")
        group, sep2, limit = rest.rpartition(":")
        if not (sep and sep2 and topic and group and limit.isdigit()):
            raise ValueError(f"a pace bound is topic:group:max_behind, not {part!r}")
        if int(limit) > 0:
            bounds.append(Bound(topic, group, int(limit)))
    return bounds


def allowance(bound: Bound, per_s: float, behind_s: float) -> int:
    """How far behind the group may be: `behind_s` of its committing pace, not below the floor."""
    return max(bound.max_behind, int(per_s * behind_s))


def exceeded(
    behind: Mapping[tuple[str, str], int],
    bounds: Sequence[Bound],
    per_s: Mapping[tuple[str, str], float] | None = None,
    behind_s: float = 0.0,
) -> list[Bound]:
    """The bounds the groups are past (a group not measured is not held against the votes)."""
    pace = per_s or {}
    return [b for b in bounds if behind.get(b.key, 0) > allowance(b, pace.get(b.key, 0.0), behind_s)]


@dataclass
class DrainRate:
    """Records a group committed per second over the last `window_s`, from readings of its total
    committed offset. A reading that went down (offsets reset, a partition moved) starts over."""

    window_s: float = 3.0
    _readings: deque[tuple[float, int]] = field(default_factory=deque)

    def observe(self, at: float, committed: int) -> None:
        if self._readings and committed < self._readings[-1][1]:
            self._readings.clear()
        self._readings.append((at, committed))
        while len(self._readings) > 2 and at - self._readings[1][0] >= self.window_s:
            self._readings.popleft()

    def per_s(self) -> float:
        if len(self._readings) < 2:
            return 0.0
        (t0, c0), (t1, c1) = self._readings[0], self._readings[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0
