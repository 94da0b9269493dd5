"""How a transaction's events are cut into outbox rows (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from gongnon_chassis.store import ROW_BYTES, ROW_EVENTS, outbox_rows
from gongnon_contracts import Envelope
from gongnon_contracts.events import ItemClosed

NOW = datetime(2026, 12, 5, tzinfo=UTC)


def _events(n: int, reason: str = "test") -> list[Envelope]:
    return [
        Envelope.wrap(ItemClosed(item_id=f"i{k}", reason=reason, closed_at=NOW), source="t", agency="seoul", time=NOW)
        for k in range(n)
    ]


def test_rows_hold_up_to_row_events_in_order_under_ids_that_sort_in_order() -> None:
    events = _events(ROW_EVENTS * 2 + 1)
    rows = outbox_rows(events)
    assert [len(r["events"]) for r in rows] == [ROW_EVENTS, ROW_EVENTS, 1]
    assert [r["_id"] for r in rows] == sorted(r["_id"] for r in rows)
    assert [e["envelope"]["id"] for r in rows for e in r["events"]] == [e.id for e in events]
    assert all(r["published"] is False for r in rows)
    assert outbox_rows([]) == []


def test_large_events_start_a_new_row_before_it_outgrows_row_bytes() -> None:
    big = "가" * (ROW_BYTES // 40)  # three UTF-8 bytes a character: ~7.5 % of a row each
    rows = outbox_rows(_events(40, reason=big))
    assert len(rows) > 1
    assert sum(len(r["events"]) for r in rows) == 40
    for row in rows:
        assert sum(len(e["envelope"]["data"]["reason"].encode()) for e in row["events"]) <= ROW_BYTES
