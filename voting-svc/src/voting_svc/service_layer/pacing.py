"""Holding new votes while the pipeline behind them is past its bound (domain/pacing.py).

`tick` (a few times a second) measures how far behind each bounded consumer group is and how fast
it has been committing (its bound is `behind_s` of that pace, above a floor); `admit` returns at
once while every group is within its bound, and otherwise waits until they are again,
or at most `max_wait_s`: a vote is never refused for load, and a stalled pipeline (the database
down, say) slows votes down instead of stopping them. The waits are real time, not the platform
clock: they measure load, not a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import Gauge, Histogram

from voting_svc.domain.pacing import Bound, DrainRate, Progress, allowance, exceeded

log = logging.getLogger(__name__)

BEHIND = Gauge("gongnon_votes_pipeline_behind", "Records a bounded consumer group has not committed", ["group"])
ALLOWED = Gauge(
    "gongnon_votes_pipeline_allowed", "Records a bounded consumer group may be behind at its pace now", ["group"]
)
HELD = Histogram(
    "gongnon_votes_held_seconds",
    "How long a batch of votes was held for the pipeline to catch up",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)

DEFAULT_MAX_WAIT_S = 2.0
# Seconds of a group's own pace it may be behind: two groups in a row (the ledger writer, then the
# consumer that shows counts and fires milestones) keep a count about twice this from showing.
DEFAULT_BEHIND_S = 0.5
TICK_S = 0.2


class Pacer:
    def __init__(
        self,
        bounds: Sequence[Bound],
        progress: Callable[[str, str], Awaitable[Progress]],
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        behind_s: float = DEFAULT_BEHIND_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bounds = list(bounds)
        self._progress = progress
        self.max_wait_s = max_wait_s
        self.behind_s = behind_s
        self._clock = clock
        self._rates: dict[tuple[str, str], DrainRate] = {}
        self._within = asyncio.Event()
        self._within.set()
        self._past: list[Bound] = []
        self._failing = False

    @property
    def holding(self) -> bool:
        return not self._within.is_set()

    async def tick(self) -> None:
        """Measure every bounded group; open or close the way accordingly. A measurement that
        fails opens it, said once (the votes are safe in Kafka either way; only their pace is at
        stake)."""
        if not self.bounds:
            return
        try:
            measured = {b.key: await self._progress(b.topic, b.group) for b in self.bounds}
        except Exception:
            if not self._failing:
                log.warning("cannot tell how far behind the pipeline is; votes are not held", exc_info=True)
            self._failing = True
            self._past = []
            self._within.set()
            return
        self._failing = False
        now = self._clock()
        for key, m in measured.items():
            self._rates.setdefault(key, DrainRate()).observe(now, m.committed)
        behind = {key: m.behind for key, m in measured.items()}
        pace = {key: self._rates[key].per_s() for key in measured}
        for b in self.bounds:
            BEHIND.labels(b.group).set(behind[b.key])
            ALLOWED.labels(b.group).set(allowance(b, pace[b.key], self.behind_s))
        past = exceeded(behind, self.bounds, pace, self.behind_s)
        if past and not self._past:
            log.info("holding new votes: %s", ", ".join(f"{b.group} {behind[b.key]} behind" for b in past))
        elif self._past and not past:
            log.info("votes flow again: the pipeline is within its bounds")
        self._past = past
        if past:
            self._within.clear()
        else:
            self._within.set()

    async def admit(self) -> None:
        """Return once the pipeline is within its bounds, or after `max_wait_s` at most."""
        if self._within.is_set():
            return
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._within.wait(), self.max_wait_s)
        HELD.observe(time.monotonic() - started)
