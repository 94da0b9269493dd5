"""An item's public timeline in MongoDB, for proposals (`timeline`) and for debates and
consultations (`deliberation_timeline`) alike.

Entries are numbered per item in commit order (a `timeline_seq` counter on the item's own
document), so a timeline reads in the order things were recorded even when times tie. An entry's
id is a natural key: writing it twice changes nothing. The counter moves in the same update that
records what happened (a rule firing, a case moving on), so recording an act and numbering its
entries is one round trip, and writing the entries one more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, UpdateOne

from gongnon_chassis.collections import update_then_read
from gongnon_chassis.store import Tx
from proposal_svc.domain.timeline import TimelineEntry

Doc = dict[str, Any]
SEQ = "timeline_seq"


def entry_doc(e: TimelineEntry, seq: int) -> Doc:
    doc = asdict(e)
    doc["_id"] = doc.pop("id")
    doc["actor_role"] = e.actor_role.value
    doc["seq"] = seq
    return doc


class NumberedTimeline:
    """The timeline of the items in `items`, its entries in `entries`. Only the items' own
    repository uses it (it is the one writer of those documents)."""

    def __init__(self, items: Any, entries: Any) -> None:
        self.items = items
        self.entries = entries

    async def ensure_indexes(self) -> None:
        await self.entries.create_index([("item_id", ASCENDING), ("seq", ASCENDING)])

    async def first(self, tx: Tx, doc: Doc, entries: Sequence[TimelineEntry]) -> None:
        """Insert a new item with its first entries."""
        await self.items.insert_one({**doc, SEQ: len(entries)}, session=tx.session)
        await self._write(tx, entries, len(entries))

    async def append(self, tx: Tx, *entries: TimelineEntry) -> None:
        """Append entries of one item (numbered 0 if the item is not there)."""
        numbered = await self._numbered(tx, {"_id": entries[0].item_id}, {}, len(entries))
        if numbered is None:
            await self._write(tx, entries, None)
        else:
            await self._write(tx, entries, numbered[SEQ])

    async def record(self, tx: Tx, guard: Doc, update: Doc, entries: Sequence[TimelineEntry]) -> bool:
        """Apply `update` to the item `guard` matches and append its entries; False, with nothing
        written, when the guard matches nothing (what it guards was recorded already)."""
        numbered = await self._numbered(tx, guard, update, len(entries))
        if numbered is None:
            return False
        await self._write(tx, entries, numbered[SEQ])
        return True

    async def read(self, item_id: str, limit: int = 1000) -> list[Doc]:
        """The item's entries in the order things happened. Steps reach this service on different
        streams (a vote's result from voting-svc, the execution it opened from review-svc), so the
        order they were recorded in (seq) only breaks ties of time."""
        cur = self.entries.find({"item_id": item_id}).sort([("item_id", ASCENDING), ("seq", ASCENDING)])
        return sorted(await cur.limit(limit).to_list(limit), key=lambda d: d["at"])

    async def _numbered(self, tx: Tx, guard: Doc, update: Doc, count: int) -> Doc | None:
        """Apply `update` and take `count` numbers on the item `guard` matches (every guard names
        the item's `_id`); its numbers after, or None if the guard matched nothing. In the
        transaction that records a milestone, so not a findAndModify (see update_then_read)."""
        inc = {**update.get("$inc", {}), SEQ: count}
        return await update_then_read(
            self.items, guard, {**update, "$inc": inc}, session=tx.session, projection={SEQ: 1}
        )

    async def _write(self, tx: Tx, entries: Sequence[TimelineEntry], last: int | None) -> None:
        """The entries, numbered up to `last` (all 0 without a number); an entry already there
        is left as it is."""
        first = 0 if last is None else last - len(entries) + 1
        step = 0 if last is None else 1
        ops = [
            UpdateOne({"_id": e.id}, {"$setOnInsert": entry_doc(e, first + i * step)}, upsert=True)
            for i, e in enumerate(entries)
        ]
        if ops:
            await self.entries.bulk_write(ops, ordered=True, session=tx.session)
