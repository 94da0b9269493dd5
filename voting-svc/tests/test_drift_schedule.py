"""The scheduled recount: one period after start, then one period after each run, by the
platform clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from voting_svc.service_layer.recovery import DriftSchedule, ReconcileReport


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 12, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t


class Reconciler:
    def __init__(self, clock: Clock, takes: timedelta) -> None:
        self.clock, self.takes, self.runs = clock, takes, 0

    async def reconcile(self, item_id: str | None = None, agency: str | None = None) -> ReconcileReport:
        assert (item_id, agency) == (None, None)  # every item of every agency
        self.runs += 1
        self.clock.t += self.takes
        return ReconcileReport(checked=3)


async def test_recounts_every_period_by_the_platform_clock_never_at_start() -> None:
    clock = Clock()
    rec = Reconciler(clock, takes=timedelta(hours=2))
    drift = DriftSchedule(cast(Any, rec), cast(Any, clock), timedelta(days=1))
    assert await drift.tick() is None  # at start: nothing
    clock.t += timedelta(hours=23)
    assert await drift.tick() is None
    clock.t += timedelta(hours=1)
    report = await drift.tick()
    assert report is not None
    assert report.checked == 3
    assert rec.runs == 1
    assert await drift.tick() is None  # the next one a day after this run ended
    clock.t += timedelta(hours=23, minutes=59)
    assert await drift.tick() is None
    assert rec.runs == 1
    clock.t += timedelta(days=5)  # the clock jumped: one run, not five
    await drift.tick()
    await drift.tick()
    assert rec.runs == 2
