"""The newest public events this process projected, kept in memory by seq so the lanes' pages
need no database read in the steady state (ten lanes would otherwise read the same events ten
times). Only a contiguous run of seqs is kept: events another replica projected leave a gap, and a
lane whose page is not wholly here reads the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

Doc = dict[str, Any]
CAPACITY = 20_000


class RecentEvents:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._docs: dict[int, Doc] = {}
        self.lo = 0  # the run held is lo..hi (empty while hi < lo)
        self.hi = -1

    def fill(self, docs: Sequence[Doc]) -> None:
        """Events just committed, in seq order."""
        if not docs:
            return
        first = int(docs[0]["seq"])
        if first != self.hi + 1:  # a gap: start a new run
            self._docs.clear()
            self.lo = first
        for d in docs:
            self._docs[int(d["seq"])] = d
        self.hi = int(docs[-1]["seq"])
        while len(self._docs) > self.capacity:
            del self._docs[self.lo]
            self.lo += 1

    def page(self, after: int, upto: int, limit: int, agency: str | None, types: Collection[str]) -> list[Doc] | None:
        """What PublicEventStore.page would answer, or None when the range is not all held here."""
        if not self._docs or after + 1 < self.lo or upto > self.hi:
            return None
        out: list[Doc] = []
        for seq in range(after + 1, upto + 1):
            d = self._docs[seq]
            if (agency is None or d["agency"] == agency) and (not types or d["type"] in types):
                out.append(d)
                if len(out) == limit:
                    break
        return out
