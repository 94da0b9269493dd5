"""Rebuilding the vote register (who voted on what, and the live counters) after Redis lost it.

Every accepted vote is in one of two places: the ledger, or the votes topic after the ledger
writer's committed offsets (on its way to the ledger). Both are read — the ledger while the writer
keeps moving votes from the topic into it — and a vote found in both (the writer wrote it while
the rebuild read) counts once: by (item, citizen), as the ledger itself keys votes. Within the
topic the first vote of a citizen on an item is the one the ledger keeps (one partition per item,
read in order). So votes need not wait for the writer to catch up before they open again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple


class RegisterVote(NamedTuple):
    item_id: str
    citizen_key: str
    vote_id: str
    choices: tuple[str, ...]


class RegisterRebuild:
    def __init__(self, on_the_way: Iterable[RegisterVote]) -> None:
        self._tail: dict[tuple[str, str], RegisterVote] = {}
        for v in on_the_way:
            self._tail.setdefault((v.item_id, v.citizen_key), v)
        self._seen: set[tuple[str, str]] = set()
        self._totals: Counter[str] = Counter()
        self._options: dict[str, Counter[str]] = {}

    def _count(self, v: RegisterVote) -> None:
        self._totals[v.item_id] += 1
        if v.choices:
            self._options.setdefault(v.item_id, Counter()).update(v.choices)

    def from_ledger(self, votes: Sequence[RegisterVote]) -> None:
        """A chunk of the ledger (each (item, citizen) once: the ledger's key)."""
        for v in votes:
            self._count(v)
            if (v.item_id, v.citizen_key) in self._tail:
                self._seen.add((v.item_id, v.citizen_key))

    def still_on_the_way(self) -> list[RegisterVote]:
        """After the whole ledger: the topic's votes it did not hold, now counted too."""
        rest = [v for key, v in self._tail.items() if key not in self._seen]
        for v in rest:
            self._count(v)
        self._seen.update((v.item_id, v.citizen_key) for v in rest)
        return rest

    def counters(self) -> dict[str, tuple[int, dict[str, int]]]:
        """Per item: (live total, live count per option)."""
        return {item: (n, dict(self._options.get(item, {}))) for item, n in self._totals.items()}
