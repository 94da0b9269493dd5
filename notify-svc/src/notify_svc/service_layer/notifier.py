"""Following items and broadcasting what happens to them, inside the event handler's transaction.

Delivery to followers known when a broadcast arrives is done by the fan-out worker (FanOut);
a follower who arrives later (their vote event processed after the broadcast) is told of the
broadcasts they missed right here, when their follow is recorded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gongnon_chassis.grouping import group_by
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    ItemClosed,
    MilestoneReached,
    ReviewAnswerPublished,
    ReviewCaseOpened,
    ReviewCaseReassigned,
)
from gongnon_contracts.events.proposals import ProposalFollowed, ProposalUnfollowed
from notify_svc.adapters.broadcasts import BroadcastRepository
from notify_svc.adapters.channels import Channel, Mutes
from notify_svc.adapters.followers import FollowerRepository, ItemRepository
from notify_svc.domain import messages
from notify_svc.domain.audience import (
    Broadcast,
    Follower,
    FollowReason,
    FollowWish,
    Notification,
    merge_wishes,
    notifications_for,
)

log = logging.getLogger(__name__)


async def deliver(channels: Sequence[Channel], notes: Sequence[Notification], tx: Tx) -> None:
    for channel in channels:
        await channel.deliver(notes, tx.session)


@dataclass
class Notifier:
    followers: FollowerRepository
    items: ItemRepository
    broadcasts: BroadcastRepository
    channels: Sequence[Channel]
    mutes: Mutes | None = None

    # -- following -----------------------------------------------------------------------------

    async def follow(
        self, tx: Tx, *, item_id: str, account_id: str, since: datetime, reason: FollowReason, agency: str
    ) -> int:
        """Record one follow; returns how many missed broadcasts were delivered to this follower."""
        return await self.follow_many(tx, [FollowWish(item_id, account_id, since, frozenset({reason}), agency)])

    async def follow_many(self, tx: Tx, wishes: Sequence[FollowWish]) -> int:
        """Record follows in bulk (a batch of votes); returns how many missed broadcasts were
        delivered to these followers (already told of them: not again, see the inbox's key)."""
        # Decide with the values the fan-out will read back, so both paths agree on each follower.
        merged = merge_wishes(wishes)
        await self.followers.add(merged, tx.session, self.items.take_numbers)
        delivered = 0
        by_item = group_by(merged, key=lambda w: w.item_id)
        missed_by_item = await self.broadcasts.since_each(
            {item_id: min(w.since for w in follows) for item_id, follows in by_item.items()}, tx.session
        )
        for item_id, missed in missed_by_item.items():
            follows = by_item[item_id]
            audience = [Follower(w.account_id, w.since) for w in follows]
            notes = [n for b in missed for n in notifications_for(b, audience)]
            await deliver(self.channels, notes, tx)
            delivered += len(notes)
        return delivered

    async def followed(self, tx: Tx, ev: ProposalFollowed, env: Envelope) -> int:
        """Someone follows the item (proposal.followed): from now on they hear of its milestones,
        its review, its answer and its close, like its supporters (and of nothing they muted
        before: following again lifts it)."""
        if self.mutes is not None:
            await self.mutes.unmute(ev.item_id, ev.account_id, tx.session)
        return await self.follow(
            tx,
            item_id=ev.item_id,
            account_id=ev.account_id,
            since=ev.followed_at,
            reason=FollowReason.FOLLOWER,
            agency=env.agency,
        )

    async def unfollowed(self, tx: Tx, ev: ProposalUnfollowed, env: Envelope) -> None:
        if self.mutes is not None:
            await self.mutes.mute(ev.item_id, ev.account_id, ev.unfollowed_at, tx.session)

    async def remember_title(self, tx: Tx, item_id: str, title: str, agency: str) -> None:
        await self.items.remember_title(item_id, title, agency, tx.session)

    # -- broadcasting --------------------------------------------------------------------------

    async def broadcast(self, tx: Tx, b: Broadcast) -> bool:
        if not await self.broadcasts.record(b, tx.now, tx.session):
            return False
        await self.items.touch(b.item_id, b.agency, "broadcasts", tx.session)
        return True

    async def milestone_reached(self, tx: Tx, ev: MilestoneReached, env: Envelope) -> bool:
        await self.remember_title(tx, ev.item_id, ev.title, env.agency)
        message = messages.milestone_reached(
            title=ev.title,
            metric=ev.metric,
            threshold=ev.threshold,
            value=ev.value,
            action=ev.action,
            due_days=ev.due_days,
        )
        # A rule fires once per item: that is the happening, whatever the event id.
        key = f"milestone:{ev.item_id}:{ev.rule_id}"
        return await self.broadcast(tx, Broadcast(key, env.id, ev.item_id, env.agency, ev.TYPE, ev.reached_at, message))

    async def case_opened(self, tx: Tx, ev: ReviewCaseOpened, env: Envelope) -> bool:
        title = await self.items.title(ev.item_id, tx.session)
        message = messages.case_opened(title=title, department_name=ev.department_name, due_at=ev.due_at)
        key = f"case_opened:{ev.case_id}"
        return await self.broadcast(tx, Broadcast(key, env.id, ev.item_id, env.agency, ev.TYPE, env.time, message))

    async def answer_published(self, tx: Tx, ev: ReviewAnswerPublished, env: Envelope) -> bool:
        title = await self.items.title(ev.item_id, tx.session)
        message = messages.answer_published(
            title=title,
            department_name=ev.department_name,
            decision=ev.decision,
            reason=ev.reason,
            answer=ev.answer,
        )
        key = f"answer_published:{ev.case_id}"
        b = Broadcast(key, env.id, ev.item_id, env.agency, ev.TYPE, ev.published_at, message)
        return await self.broadcast(tx, b)

    async def item_closed(self, tx: Tx, ev: ItemClosed, env: Envelope) -> bool:
        title = await self.items.title(ev.item_id, tx.session)
        message = messages.compose("closed", {"title": title, "reason": ev.reason})
        b = Broadcast(f"closed:{ev.item_id}", env.id, ev.item_id, env.agency, ev.TYPE, ev.closed_at, message)
        return await self.broadcast(tx, b)

    async def case_reassigned(self, tx: Tx, ev: ReviewCaseReassigned, env: Envelope) -> bool:
        """Followers learn which department now answers (재지정)."""
        title = await self.items.title(ev.item_id, tx.session)
        message = messages.compose(
            "case_moved", {"title": title, "department_name": ev.department_name, "due_at": ev.due_at}
        )
        key = f"case_moved:{ev.case_id}:{ev.decided_at.isoformat()}"
        return await self.broadcast(tx, Broadcast(key, env.id, ev.item_id, env.agency, ev.TYPE, ev.decided_at, message))
