"""A closed agency's webhook subscriptions stop delivering (docs/federation.md).

On `agency.closed` every active subscription of the agency becomes `paused` (reason
`agency_closed`) in the handler's transaction; once it commits, this replica stops their lanes at
once (Dispatcher.refresh) and the other replicas' supervisors stop theirs at their next round (a
lane runs only while its subscription is active). Nothing is deleted: the subscriptions, their
cursors and delivery logs stay. Idempotent: a second delivery finds nothing active to pause."""

from __future__ import annotations

import logging
from datetime import datetime

from gongnon_chassis.store import Tx
from notify_svc.webhooks.lanes import Dispatcher
from notify_svc.webhooks.repository import AGENCY_CLOSED, SubscriptionRepository

log = logging.getLogger(__name__)


class AgencyClosure:
    def __init__(self, subs: SubscriptionRepository, dispatcher: Dispatcher) -> None:
        self._subs = subs
        self._dispatcher = dispatcher

    async def closed(self, tx: Tx, agency: str, closed_at: datetime) -> list[str]:
        """Record the closing (a subscription created meanwhile pauses itself: Webhooks.create) and
        pause the agency's active subscriptions; their ids."""
        await self._subs.mark_closed(agency, closed_at, tx.session)
        ids = await self._subs.active_ids(agency, tx.session)
        await self._subs.pause(ids, AGENCY_CLOSED, closed_at, tx.session)
        if ids:
            log.info("agency %s closed: %d webhook subscriptions paused", agency, len(ids))

        async def stop_lanes() -> None:
            for sub_id in ids:
                await self._dispatcher.refresh(sub_id)

        tx.after_commit(stop_lanes)
        return ids
