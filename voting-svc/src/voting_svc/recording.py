"""Recording votes: a batch from `gongnon.votes` into the ledger, tallies and one coalesced
`tally.updated` per item, all in one transaction (the events leave through the outbox).

Idempotent: a vote already in the ledger (a redelivered batch, or a second vote of the same
citizen that slipped past a lost Redis claim) adds nothing and emits nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gongnon_chassis.grouping import group_by
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import TallyUpdated
from voting_svc.adapters.ledger import Ledger, LedgerVote
from voting_svc.domain.tally import Tally, count


def snapshot_event(tally: Tally, fallback_time: datetime) -> TallyUpdated:
    return TallyUpdated(
        item_id=tally.item_id,
        kind=tally.kind,
        total=tally.total,
        counts=dict(tally.counts),
        as_of=tally.as_of or fallback_time,
        seq=tally.seq,
    )


async def record_votes(store: Store, ledger: Ledger, votes: Sequence[LedgerVote]) -> list[Tally]:
    """Returns the new snapshot of every item that gained votes."""

    async def body(tx: Tx) -> list[Tally]:
        fresh = await ledger.insert_new(tx, votes)
        by_item = group_by(fresh, key=lambda v: v.item_id)
        firsts = {item_id: item_votes[0] for item_id, item_votes in by_item.items()}
        snapshots = await ledger.add_to_tallies(
            tx,
            [(i, firsts[i].kind, count(v.counted() for v in item_votes)) for i, item_votes in by_item.items()],
        )
        for tally in snapshots:
            tx.emit(snapshot_event(tally, tx.now), agency=firsts[tally.item_id].agency)
        return snapshots

    if not votes:
        return []
    return await store.transaction(body)
