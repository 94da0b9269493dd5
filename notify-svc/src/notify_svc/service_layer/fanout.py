"""The fan-out worker: delivers each new broadcast to the item's followers, one page of
followers per transaction, so an item with a million supporters never needs one huge commit.
The cursor commits with each page; a crash resumes after the last committed page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gongnon_chassis.store import Store, Tx
from notify_svc.adapters.broadcasts import BroadcastRepository
from notify_svc.adapters.channels import Channel
from notify_svc.adapters.followers import FollowerRepository, ItemRepository
from notify_svc.domain.audience import notifications_for
from notify_svc.service_layer.notifier import deliver

PAGE = 500
BATCH = 100


@dataclass
class FanOut:
    store: Store
    followers: FollowerRepository
    items: ItemRepository
    broadcasts: BroadcastRepository
    channels: Sequence[Channel]
    page_size: int = PAGE

    async def drain(self) -> int:
        """Deliver every pending broadcast; returns how many notifications were handed over."""
        handed = 0
        while True:
            pending = await self.broadcasts.pending(BATCH)
            for broadcast_id in pending:
                done = False
                while not done:
                    n, done = await self.store.transaction(lambda tx, b=broadcast_id: self._page(tx, b))
                    handed += n
            if len(pending) < BATCH:
                return handed

    async def _page(self, tx: Tx, broadcast_id: str) -> tuple[int, bool]:
        state = await self.broadcasts.fan_out_state(broadcast_id, tx.session)
        if state is None or state.done:
            return 0, True
        b = state.broadcast
        # Followers numbered after the last one now are told by their follow (Notifier.follow_many
        # delivers the broadcasts they missed), so the fan-out ends at the last number it sees.
        last = await self.items.follower_count(b.item_id, tx.session)
        page, covered = (
            await self.followers.page(b.item_id, state.cursor, state.cursor + self.page_size, tx.session)
            if state.cursor < last
            else ([], None)
        )
        notes = notifications_for(b, page)
        await deliver(self.channels, notes, tx)
        # No chunk starting in this range (numbers never used): the next range.
        cursor = covered if covered is not None else min(state.cursor + self.page_size, last)
        done = max(cursor, state.cursor) >= last
        await self.broadcasts.advance(broadcast_id, max(cursor, state.cursor), done, len(notes), tx.session)
        return len(notes), done
