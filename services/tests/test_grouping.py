from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gongnon_chassis.grouping import group_by


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers())))
def test_groups_keep_first_seen_key_order_and_item_order(rows: list[tuple[str, int]]) -> None:
    groups = group_by(rows, key=lambda r: r[0])
    assert list(groups) == list(dict.fromkeys(r[0] for r in rows))
    for k, members in groups.items():
        assert members == [r for r in rows if r[0] == k]
