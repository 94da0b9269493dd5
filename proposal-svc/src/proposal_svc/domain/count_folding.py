"""Which items' documents catch up with their live counts first, when not all can at once.

Writing a count into a proposal's document rewrites its twenty-odd index entries (see
adapters/live_counts.py), so under spread load folding every raised item every pass took one of
the database's two cores. A pass folds a bounded number of items: the ones whose document is
furthest behind relative to what it says (a list ranks an item at 3 that has 30 far more wrongly
than one at 9,000 that has 9,030). Items not chosen stay pending; when load falls, passes fold
them all."""

from __future__ import annotations

from collections.abc import Mapping


def most_behind(raised: Mapping[str, int], folded: Mapping[str, int], budget: int) -> list[str]:
    """Up to `budget` items of `raised` (item → its live count) ordered by how far their document
    (`folded`, unknown meaning 0) is behind, relative to it; ties by item id, so a pass is
    deterministic."""
    if len(raised) <= budget:
        return sorted(raised)

    def lag(item_id: str) -> float:
        was = folded.get(item_id, 0)
        return (raised[item_id] - was) / (was + 1)

    return sorted(raised, key=lambda i: (-lag(i), i))[:budget]
