"""Counts as they rise, apart from the proposal's document.

SecantusDB rewrites every entry of every index of a document whenever any of its fields changes,
and a proposal's document has twenty index entries and more: the lists' indexes, two of them
multikey over the title's tokens and the hashtags. Raising `support_count` on the document for
every batch of tallies took most of the database's time once supports were spread over thousands
of items (`./dev bench spread`, `database_until_caught_up`: `proposal_svc.proposals` first, every
other service's statements queued behind it).

So a count rises in `live_counts` first: one small document per item, with only its `_id` index.
Every read of a proposal adds it to what the document says (`overlay`), so the item's page, its
rules and the author's edit lock see the live count at once. The document's own count, which the
lists sort by, catches up in `fold`, every few seconds, once per item however many batches raised
it meanwhile, the furthest behind first and a bounded number per pass (domain/count_folding.py).
Counts only rise (`$max` of absolute snapshots), so applying either twice, late or in
any order changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.grouping import in_pieces
from proposal_svc.domain.count_folding import most_behind

Doc = dict[str, Any]

FIELDS = ("support_count", "debate_participants")
LOWERED = "lowered"  # set by a repair: the fold sets the document's counts instead of raising them
STATEMENT_SIZE = 250  # small documents per read or bulk write
# Proposal documents per folding statement: each rewrites the document's index entries, and on
# SecantusDB a long statement holds up every other transaction of the server.
FOLD_PIECE = 50
# Documents per fold pass: ~10 rewrites a second at the default period, however many items votes
# are spread over. A rewrite costs SecantusDB ~3.5 ms (22 indexes; a small document's upsert costs
# ~0.16 ms), so 250 a pass was ~9 % of its one core under spread supports; 100 is ~3.5 %. Only the
# lists' order waits for the fold: every read shows the live count.
FOLD_BUDGET = 100
DEFAULT_FOLD_EVERY_S = 10.0


class LiveCounts:
    def __init__(self, db: Any) -> None:
        self.live = db.live_counts
        self.proposals = db.proposals
        # Items raised since their last fold (this process), with the highest total raised, and
        # the total each document was last brought to: what a pass chooses by.
        self._dirty: dict[str, int] = {}
        self._folded: dict[str, int] = {}
        self._lowered: set[str] = set()  # repaired downwards since their last fold

    async def raise_many(
        self, highest: Mapping[tuple[str, str], int], session: AsyncClientSession | None = None
    ) -> None:
        """Raise each (item, field) to at least its value: bulk writes of a bounded size, inside
        the caller's transaction when given a session."""
        by_item: dict[str, dict[str, int]] = {}
        for (item_id, field), value in highest.items():
            by_item.setdefault(item_id, {})[field] = value
        ops = [UpdateOne({"_id": item_id}, {"$max": fields}, upsert=True) for item_id, fields in by_item.items()]
        for piece in in_pieces(ops, STATEMENT_SIZE):
            await self.live.bulk_write(list(piece), ordered=False, session=session)
        for item_id, fields in by_item.items():
            self._dirty[item_id] = max(self._dirty.get(item_id, 0), sum(fields.values()))

    async def read(self, item_ids: Collection[str], session: AsyncClientSession | None = None) -> dict[str, Doc]:
        return {d["_id"]: d for d in await find_by_ids(self.live, item_ids, session=session)}

    async def overlay(self, docs: Iterable[Doc], session: AsyncClientSession | None = None) -> None:
        """Raise the proposals' documents (in memory) to their live counts."""
        by_id = {d["_id"]: d for d in docs}
        if not by_id:
            return
        if len(by_id) == 1:
            (item_id,) = by_id
            one = await self.live.find_one({"_id": item_id}, session=session)
            live = {item_id: one} if one else {}
        else:
            live = await self.read(by_id, session)
        for item_id, counts in live.items():
            apply(by_id[item_id], counts)

    async def lower_many(self, values: Mapping[tuple[str, str], int]) -> None:
        """Set each (item, field) to its value even when lower: a recount from the ledger repaired
        the tally (a `repaired` snapshot). Marked `lowered`, so the fold sets the document's count
        instead of only raising it; a late snapshot from before the repair cannot come after it
        (one partition per item, in order)."""
        by_item: dict[str, dict[str, Any]] = {}
        for (item_id, field), value in values.items():
            by_item.setdefault(item_id, {LOWERED: True})[field] = value
        ops = [UpdateOne({"_id": item_id}, {"$set": fields}, upsert=True) for item_id, fields in by_item.items()]
        for piece in in_pieces(ops, STATEMENT_SIZE):
            await self.live.bulk_write(list(piece), ordered=False)
        for item_id, fields in by_item.items():
            self._lowered.add(item_id)
            self._dirty[item_id] = sum(v for f, v in fields.items() if f in FIELDS)

    @property
    def pending(self) -> int:
        """Items whose documents have not yet caught up with a raise."""
        return len(self._dirty)

    async def fold(self, budget: int = FOLD_BUDGET) -> int:
        """Bring the documents' counts up to the live ones, for up to `budget` of the items raised
        since their last fold, the furthest behind first; returns how many documents were written."""
        # Repairs first (rare, and a lowered count is not "behind" by the measure below).
        lowered = sorted(self._lowered & self._dirty.keys())[:budget]
        self._lowered.difference_update(lowered)
        chosen = {i: self._dirty.pop(i) for i in lowered}
        chosen.update((i, self._dirty.pop(i)) for i in most_behind(self._dirty, self._folded, budget - len(chosen)))
        try:
            written = await self.fold_items(chosen)
        except BaseException:
            for i, total in chosen.items():  # folded next time
                self._dirty[i] = max(total, self._dirty.get(i, 0))
            self._lowered.update(lowered)
            raise
        self._folded.update(chosen)
        return written

    async def fold_everything_later(self) -> None:
        """At start: every item is folded by the next folds (a process that stopped before folding
        left its items behind). One read of the ids; the folding itself runs in the background."""
        async for d in self.live.find({}, dict.fromkeys((*FIELDS, LOWERED), 1)):
            total = sum(int(d.get(f) or 0) for f in FIELDS)
            self._dirty[d["_id"]] = max(self._dirty.get(d["_id"], 0), total)
            if d.get(LOWERED):
                self._lowered.add(d["_id"])

    async def fold_items(self, item_ids: Collection[str]) -> int:
        written = 0
        for piece in in_pieces(sorted(item_ids), FOLD_PIECE):
            live = await self.read(piece)
            projection = dict.fromkeys(FIELDS, 1)
            docs = {d["_id"]: d for d in await find_by_ids(self.proposals, piece, projection)}
            ops = []
            repaired = []
            for item_id, counts in live.items():
                doc = docs.get(item_id)
                if doc is None:  # not a proposal (a debate's tally), or gone
                    continue
                if counts.get(LOWERED):
                    fields = {f: int(counts[f]) for f in FIELDS if f in counts}
                    ops.append(UpdateOne({"_id": item_id}, {"$set": fields}))
                    # Unmarked only if no raise came in meanwhile (that one is folded as usual).
                    repaired.append(UpdateOne({"_id": item_id, **fields}, {"$unset": {LOWERED: ""}}))
                    continue
                higher = {f: int(counts[f]) for f in FIELDS if f in counts and int(counts[f]) > int(doc.get(f) or 0)}
                if higher:  # a firing transaction may have raised the document already
                    ops.append(UpdateOne({"_id": item_id}, {"$max": higher}))
            if ops:
                await self.proposals.bulk_write(ops, ordered=False)
                written += len(ops)
            if repaired:
                await self.live.bulk_write(repaired, ordered=False)
            await asyncio.sleep(0)  # let the service's requests in between the pieces
        return written


def apply(doc: Doc, counts: Mapping[str, Any]) -> None:
    for f in FIELDS:
        if f in counts:
            # A repaired count is the truth even below what the document says (not folded yet).
            doc[f] = int(counts[f]) if counts.get(LOWERED) else max(int(doc.get(f) or 0), int(counts[f]))
