"""How far behind the accepted votes the pipeline that records and shows them may fall.

Accepting a support costs a Redis claim and a Kafka record; recording it costs the database
(ledger, tally, and every projection of the count downstream). Spread over thousands of items the
second costs several times the first, so a city-wide burst can be accepted faster than it is
recorded: the write-behind then grows without bound and the counts and milestones citizens see fall
minutes behind (`./dev bench spread`). A bound per consumer group, in records behind, keeps it
seconds behind: above it, new votes are held briefly before they are accepted (never refused for
it), so the callers' own pace drops to what the pipeline sustains. Pure: the adapter measures how
far behind each group is, the service holds the votes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bound:
    """At most `max_behind` records of `topic` not yet committed by consumer group `group`."""

    topic: str
    group: str
    max_behind: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.topic, self.group)


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


def exceeded(behind: Mapping[tuple[str, str], int], bounds: Sequence[Bound]) -> list[Bound]:
    """The bounds the groups are past (a group not measured is not held against the votes)."""
    return [b for b in bounds if behind.get(b.key, 0) > b.max_behind]
