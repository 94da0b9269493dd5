"""The fields of a list cursor are checked one by one even though the cursor is signed: whatever
they hold, the result is BadCursor (400) or a position the list queries can use — a count MongoDB
holds, a time with a zone inside the platform's lifetime, a short id — never another exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_svc.domain.listing import (
    CURSOR_COUNT_MAX,
    CURSOR_LATEST,
    FLOOR,
    BadCursor,
    Cursor,
    cursor_fields,
    cursor_from_fields,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ODD: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 1e308, -1, 2**63, -(2**63) - 1, 10**30, True, None, "", "x" * 500,
    [], {}, "NaN", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2025-01-01T00:00:00", 1.5, "51",
]  # fmt: skip
VALUES = st.sampled_from(ODD) | st.integers() | st.floats() | st.text(max_size=60) | st.datetimes().map(str)


def checked(raw: Any, sort: str) -> Cursor | None:
    try:
        c = cursor_from_fields(raw, sort)
    except BadCursor:
        return None
    assert type(c.support_count) is int
    assert 0 <= c.support_count <= CURSOR_COUNT_MAX
    assert c.created_at.tzinfo is not None
    assert FLOOR <= c.created_at <= CURSOR_LATEST
    assert isinstance(c.id, str)
    assert len(c.id) <= 64
    return c


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(sort=st.sampled_from(["latest", "popular"]), key=st.sampled_from(["s", "t", "id", "c", "z"]), value=VALUES)
def test_any_field_value_gives_bad_cursor_or_a_usable_position(sort: str, key: str, value: Any) -> None:
    fields = cursor_fields(Cursor(sort, T0, "pr_1", 7 if sort == "popular" else 0))
    checked({**fields, key: value}, sort)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(raw=st.none() | st.integers() | st.text() | st.lists(st.integers()) | st.dictionaries(st.text(), VALUES))
def test_anything_else_is_a_bad_cursor(raw: Any) -> None:
    assert checked(raw, "popular") is None or isinstance(raw, dict)


def test_the_counts_that_broke_the_popular_list_are_refused() -> None:
    fields = cursor_fields(Cursor("popular", T0, "pr_1", 7))
    for count in (float("inf"), float("nan"), 1e308, 10**30, 2**63, -1, True, "7", 7.0):
        assert checked({**fields, "c": count}, "popular") is None, count
    assert checked(fields, "popular") == Cursor("popular", T0, "pr_1", 7)
