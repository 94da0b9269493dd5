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
it meanwhile. Counts only rise (`$max` of absolute snapshots), so applying either twice, late or in
any order changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.grouping import in_pieces

Doc = dict[str, Any]

FIELDS = ("support_count", "debate_participants")
STATEMENT_SIZE = 250  # small documents per read or bulk write
# Proposal documents per folding statement: each rewrites the document's index entries, and on
# SecantusDB a long statement holds up every other transaction of the server.
FOLD_PIECE = 50
DEFAULT_FOLD_EVERY_S = 10.0


class LiveCounts:
    def __init__(self, db: Any) -> None:
        self.live = db.live_counts
        self.proposals = db.proposals
        self._dirty: set[str] = set()  # items raised since the last fold (this process)

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
        self._dirty.update(by_item)

    async def read(self, item_ids: Collection[str], session: AsyncClientSession | None = None) -> dict[str, Doc]:
        found: dict[str, Doc] = {}
        for piece in in_pieces(sorted(item_ids), STATEMENT_SIZE):
            async for d in self.live.find({"_id": {"$in": list(piece)}}, session=session):
                found[d["_id"]] = d
        return found

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

    async def fold(self) -> int:
        """Bring the documents' counts up to the live ones, for the items raised since the last
        fold; returns how many documents were written."""
        ids, self._dirty = self._dirty, set()
        try:
            return await self.fold_items(ids)
        except BaseException:
            self._dirty |= ids  # folded next time
            raise

    async def fold_everything_later(self) -> None:
        """At start: every item is folded by the next folds (a process that stopped before folding
        left its items behind). One read of the ids; the folding itself runs in the background."""
        self._dirty.update([d["_id"] async for d in self.live.find({}, {"_id": 1})])

    async def fold_items(self, item_ids: Collection[str]) -> int:
        written = 0
        for piece in in_pieces(sorted(item_ids), FOLD_PIECE):
            live = await self.read(piece)
            projection = dict.fromkeys(FIELDS, 1)
            docs = {d["_id"]: d async for d in self.proposals.find({"_id": {"$in": list(piece)}}, projection)}
            ops = []
            for item_id, counts in live.items():
                doc = docs.get(item_id)
                if doc is None:  # not a proposal (a debate's tally), or gone
                    continue
                higher = {f: int(counts[f]) for f in FIELDS if f in counts and int(counts[f]) > int(doc.get(f) or 0)}
                if higher:  # a firing transaction may have raised the document already
                    ops.append(UpdateOne({"_id": item_id}, {"$max": higher}))
            if ops:
                await self.proposals.bulk_write(ops, ordered=False)
                written += len(ops)
            await asyncio.sleep(0)  # let the service's requests in between the pieces
        return written


def apply(doc: Doc, counts: Mapping[str, Any]) -> None:
    for f in FIELDS:
        if f in counts:
            doc[f] = max(int(doc.get(f) or 0), int(counts[f]))
