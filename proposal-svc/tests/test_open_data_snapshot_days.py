"""Which day's open-data snapshot is due, and which are dropped. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

from proposal_svc.domain.open_data import SNAPSHOT_KEEP_DAYS, expired_days, snapshot_day


def test_the_day_is_korea_s() -> None:
    assert snapshot_day(datetime(2026, 12, 4, 14, 59, tzinfo=UTC)) == date(2026, 12, 4)
    assert snapshot_day(datetime(2026, 12, 4, 15, 0, tzinfo=UTC)) == date(2026, 12, 5)  # midnight in Seoul


def test_snapshots_are_kept_for_the_period_only() -> None:
    today = date(2026, 12, 31)
    days = [date(2026, 12, 31), date(2026, 12, 1), date(2026, 11, 30), date(2026, 1, 1)]
    assert SNAPSHOT_KEEP_DAYS == 31
    assert expired_days(days, today) == [date(2026, 11, 30), date(2026, 1, 1)]
