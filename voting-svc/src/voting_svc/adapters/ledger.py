"""MongoDB: the append-only vote ledger (the truth) and the per-item tallies projected from it.

`ledger`: one document per (item_id, citizen_key), unique because _id is that pair (pair_key): the
primary key is the only index written per vote, a batch finds which votes are already recorded with
one _id lookup (a duplicate-key error inside a transaction would abort the whole batch), and an
item's votes are one _id range. `tallies`: _id = item id, {kind, total, counts, seq,
as_of}, changed only in the same transaction as the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne

from gongnon_chassis.collections import find_by_ids
from gongnon_chassis.grouping import in_pieces
from gongnon_chassis.keys import pair_key, scope_range
from gongnon_chassis.store import Tx
from voting_svc.domain.register import RegisterVote
from voting_svc.domain.tally import CountedVote, Tally, TallyDelta, first_per_key

Doc = dict[str, Any]

LEGACY_PAIR_INDEX = "item_id_1_citizen_key_1"
# Documents per statement inside the ledger's transaction. SecantusDB runs one transactional
# statement at a time (its registry waits on the running statement's lock), so a look-up of 2,000
# ids held every other service's transactions for seconds (seen with py-spy during the webhooks
# bench's stalls); pieces let them in between.
STATEMENT_SIZE = 250


@dataclass(frozen=True)
class LedgerVote:
    vote_id: str
    item_id: str
    kind: str
    citizen_key: str
    account_id: str
    choices: tuple[str, ...]
    cast_at: datetime
    channel: str
    agency: str
    event_id: str

    @property
    def ledger_id(self) -> str:
        return ledger_id(self.item_id, self.citizen_key)

    def counted(self) -> CountedVote:
        return CountedVote(voter=self.citizen_key, choices=self.choices, cast_at=self.cast_at)


def ledger_id(item_id: str, citizen_key: str) -> str:
    return pair_key(item_id, citizen_key)


def tally_from_doc(d: Doc) -> Tally:
    return Tally(
        item_id=d["_id"],
        kind=d.get("kind", ""),
        total=int(d.get("total", 0)),
        counts={k: int(n) for k, n in (d.get("counts") or {}).items()},
        seq=int(d.get("seq", 0)),
        as_of=d.get("as_of"),
    )


class Ledger:
    def __init__(self, db: Any) -> None:
        self.db = db

    async def ensure_indexes(self) -> None:
        # Earlier versions kept a second unique (item_id, citizen_key) index; _id already is that
        # pair, and writing both on every vote cost the database a third of its insert time.
        names = [ix["name"] async for ix in await self.db.ledger.list_indexes()]
        if LEGACY_PAIR_INDEX in names:
            await self.db.ledger.drop_index(LEGACY_PAIR_INDEX)

    async def insert_new(self, tx: Tx, votes: Sequence[LedgerVote]) -> list[LedgerVote]:
        """Record the votes not yet in the ledger (first per voter wins); returns those recorded."""
        votes = first_per_key(votes, key=lambda v: v.ledger_id)
        if not votes:
            return []
        found = await find_by_ids(tx.db.ledger, [v.ledger_id for v in votes], {"_id": 1}, session=tx.session)
        seen = {d["_id"] for d in found}
        fresh = [v for v in votes if v.ledger_id not in seen]
        for part in in_pieces(fresh, STATEMENT_SIZE):
            await tx.db.ledger.insert_many([_vote_doc(v, tx.now) for v in part], ordered=True, session=tx.session)
        return fresh

    async def add_to_tallies(self, tx: Tx, deltas: Sequence[tuple[str, str, TallyDelta]]) -> list[Tally]:
        """Add each (item_id, kind, delta) to its item's tally; returns the new tallies in the same
        order. Two round trips per STATEMENT_SIZE items, not two per item (one `$inc` each in a bulk
        write, then one `$in` read inside the same transaction): SecantusDB charges per operation,
        and this transaction holds the ledger writer's batch."""
        if not deltas:
            return []
        ops = []
        for item_id, kind, delta in deltas:
            inc: dict[str, int] = {"total": delta.total, "seq": 1}
            inc.update({f"counts.{k}": n for k, n in delta.counts.items()})
            update: Doc = {"$inc": inc, "$setOnInsert": {"kind": kind}}
            if delta.newest is not None:
                update["$max"] = {"as_of": delta.newest}
            ops.append(UpdateOne({"_id": item_id}, update, upsert=True))
        for part in in_pieces(ops, STATEMENT_SIZE):
            await tx.db.tallies.bulk_write(list(part), ordered=False, session=tx.session)
        ids = [item_id for item_id, _, _ in deltas]
        by_id = {d["_id"]: tally_from_doc(d) for d in await find_by_ids(tx.db.tallies, ids, session=tx.session)}
        return [by_id[item_id] for item_id in ids]

    async def read_tally(self, tx: Tx, item_id: str) -> Tally | None:
        d = await tx.db.tallies.find_one({"_id": item_id}, session=tx.session)
        return tally_from_doc(d) if d else None

    async def write_tally(self, tx: Tx, tally: Tally) -> None:
        await tx.db.tallies.replace_one(
            {"_id": tally.item_id},
            {
                "kind": tally.kind,
                "total": tally.total,
                "counts": dict(tally.counts),
                "seq": tally.seq,
                "as_of": tally.as_of,
            },
            upsert=True,
            session=tx.session,
        )

    async def tally(self, item_id: str) -> Tally | None:
        d = await self.db.tallies.find_one({"_id": item_id})
        return tally_from_doc(d) if d else None

    async def tallies(self) -> AsyncIterator[Tally]:
        async for d in self.db.tallies.find({}).sort("_id", ASCENDING):
            yield tally_from_doc(d)

    async def votes_of(self, item_id: str) -> AsyncIterator[CountedVote]:
        """Every recorded vote on an item, in citizen_key order (one range of the _id index)."""
        cursor = self.db.ledger.find({"_id": scope_range(item_id)}, {"citizen_key": 1, "choices": 1, "cast_at": 1})
        async for d in cursor.sort("_id", ASCENDING).batch_size(2000):
            yield CountedVote(voter=d["citizen_key"], choices=tuple(d.get("choices", ())), cast_at=d["cast_at"])

    async def claims(self, chunk: int = 1000) -> AsyncIterator[list[RegisterVote]]:
        """Every vote in the ledger as the register keeps it, in chunks, in _id order."""
        out: list[RegisterVote] = []
        fields = {"item_id": 1, "citizen_key": 1, "vote_id": 1, "choices": 1}
        cursor = self.db.ledger.find({}, fields).sort("_id", ASCENDING)
        async for d in cursor.batch_size(chunk):
            out.append(RegisterVote(d["item_id"], d["citizen_key"], d["vote_id"], tuple(d.get("choices") or ())))
            if len(out) >= chunk:
                yield out
                out = []
        if out:
            yield out


def _vote_doc(v: LedgerVote, recorded_at: datetime) -> Doc:
    return {
        "_id": v.ledger_id,
        "vote_id": v.vote_id,
        "item_id": v.item_id,
        "kind": v.kind,
        "citizen_key": v.citizen_key,
        "account_id": v.account_id,
        "choices": list(v.choices),
        "cast_at": v.cast_at,
        "channel": v.channel,
        "agency": v.agency,
        "event_id": v.event_id,
        "recorded_at": recorded_at,
    }
