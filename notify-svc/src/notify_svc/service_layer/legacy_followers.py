"""Upgrading followers kept one document each (earlier versions) into numbered follow chunks: run
at start-up, before any consumer. Per item, after its highest number, with the item's counter set
to match, so the fan-out's pages cover them and new follows are numbered after them."""

from __future__ import annotations

from gongnon_chassis.grouping import group_by
from gongnon_chassis.store import Store, Tx
from notify_svc.adapters.followers import Doc, FollowerRepository, ItemRepository, chunk_doc
from notify_svc.domain.audience import FollowReason, FollowWish

CHUNK = 500
DONE = "follow_chunks"


async def move_legacy_followers(store: Store, followers: FollowerRepository, items: ItemRepository) -> int:
    """Returns how many followers were moved into chunks. Marked done once, so later starts skip
    the scan."""
    if await store.db.upgrades.find_one({"_id": DONE}):
        return 0
    moved = 0
    while batch := await followers.legacy(CHUNK):

        async def move(tx: Tx, item_id: str, docs: list[Doc]) -> None:
            top = await followers.last_number(item_id, tx.session)
            wishes = [
                FollowWish(
                    item_id,
                    d["account_id"],
                    d["since"],
                    frozenset(FollowReason(r) for r in d.get("reasons") or []),
                    d.get("agency", ""),
                )
                for d in docs
            ]
            chunk = chunk_doc(item_id, wishes[0].agency, top + 1, wishes)
            await followers.replace_legacy([d["_id"] for d in docs], chunk, tx.session)
            await items.set_follower_count(item_id, chunk["last"], tx.session)

        for item_id, docs in group_by(batch, key=lambda d: d["item_id"]).items():
            await store.transaction(lambda tx, i=item_id, docs=docs: move(tx, i, docs))
            moved += len(docs)
    await store.db.upgrades.update_one({"_id": DONE}, {"$set": {"moved": moved}}, upsert=True)
    return moved
