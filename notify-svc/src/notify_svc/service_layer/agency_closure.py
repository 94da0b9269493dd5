"""A closed agency's webhook subscriptions stop delivering (docs/federation.md).

On `agency.closed` every active subscription of the agency becomes `paused` (reason
`agency_closed`) in the handler's transaction; once it commits, this replica stops their lanes at
once (Dispatcher.refresh) and the other replicas' supervisors stop theirs at their next round (a
lane runs only while its subscription is active). Nothing is deleted: the subscriptions, their
cursors and delivery logs stay. Idempotent: a second delivery finds nothing active to pause."""

from __future__ import annotations

import logging
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.store import Doc, Tx
from notify_svc.webhooks.lanes import Dispatcher

log = logging.getLogger(__name__)

PAUSED = "paused"
REASON = "agency_closed"


class AgencyClosure:
    def __init__(self, db: AsyncDatabase[Doc], dispatcher: Dispatcher) -> None:
        self._subs = db.webhook_subscriptions
        self._dispatcher = dispatcher

    async def closed(self, tx: Tx, agency: str, closed_at: datetime) -> list[str]:
        """Pause the agency's active subscriptions; their ids."""
        # Served by the (agency, status, created_at) index of the subscriptions.
        active = self._subs.find({"agency": agency, "status": "active"}, {"_id": 1}, session=tx.session)
        ids = [d["_id"] async for d in active]
        if ids:
            await self._subs.update_many(
                {"_id": {"$in": ids}, "status": "active"},
                {
                    "$set": {
                        "status": PAUSED,
                        "paused_reason": REASON,
                        "paused_at": closed_at,
                        "lease_owner": None,
                    }
                },
                session=tx.session,
            )
            log.info("agency %s closed: %d webhook subscriptions paused", agency, len(ids))

        async def stop_lanes() -> None:
            for sub_id in ids:
                await self._dispatcher.refresh(sub_id)

        tx.after_commit(stop_lanes)
        return ids
