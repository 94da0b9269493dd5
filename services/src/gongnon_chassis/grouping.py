"""Grouping a batch by a key (an item, mostly): batches are written, sent and counted per item;
and cutting a batch into pieces of a bounded size."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

V = TypeVar("V")
K = TypeVar("K", bound=Hashable)


def group_by(items: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    """The items per key: keys in first-seen order, each group in the items' order."""
    out: dict[K, list[V]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def in_pieces(items: Sequence[V], size: int) -> Iterator[Sequence[V]]:
    """Consecutive pieces of at most `size` items, in order."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
