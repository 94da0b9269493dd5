"""Managing subscriptions: create (the secret is shown once), list, delete, replay from a seq,
read the delivery log, redeliver one event by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Conflict, Invalid, NotFound
from gongnon_contracts import new_id
from gongnon_contracts.webhooks import SubscriptionIn
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.webhooks import signing
from notify_svc.webhooks.access import require_manage
from notify_svc.webhooks.lanes import Dispatcher, LaneSettings, entry
from notify_svc.webhooks.repository import (
    AGENCY_CLOSED,
    VISIBLE,
    DeliveryLog,
    Subscription,
    SubscriptionRepository,
    public_view,
)
from notify_svc.webhooks.sender import Sender, TargetRefused, check_url

MAX_PER_AGENCY = 50
DELIVERY_ID = re.compile(r"^dlv_([0-9]{1,16})$")


def _not_found() -> NotFound:
    return NotFound("no such webhook subscription in this agency", code="subscription_not_found")


@dataclass
class Webhooks:
    subs: SubscriptionRepository
    deliveries: DeliveryLog
    events: PublicEventStore
    dispatcher: Dispatcher
    clock: Clock
    lane: LaneSettings

    async def _own(self, actor: Actor, agency: str, sub_id: str, *, active: bool = False) -> dict[str, Any]:
        """The agency's subscription, not deleted; `active`: refuse a paused one (409)."""
        require_manage(actor, agency)
        doc = await self.subs.get(sub_id)
        if doc is None or doc["agency"] != agency or doc.get("status") not in VISIBLE:
            raise _not_found()
        if active and doc.get("status") != "active":
            raise Conflict(
                "this subscription is paused (its agency is closed): it delivers nothing",
                code="subscription_paused",
                details={"reason": doc.get("paused_reason")},
            )
        return doc

    async def create(self, actor: Actor, agency: str, body: SubscriptionIn) -> dict[str, Any]:
        require_manage(actor, agency)
        try:
            check_url(body.url, self.lane.allow_private)
        except TargetRefused as exc:
            raise Invalid(str(exc), code="webhook_url_refused") from exc
        if await self.subs.count_active(agency) >= MAX_PER_AGENCY:
            raise Conflict(f"an agency has at most {MAX_PER_AGENCY} subscriptions", code="too_many_subscriptions")
        secret = signing.new_secret()
        # From now on: every event committed after this point (older ones by a replay).
        head = await self.events.head()
        doc = await self.subs.create(
            {
                "_id": new_id("whs_"),
                "agency": agency,
                "url": body.url,
                "types": list(body.types or []),
                "scope": body.scope,
                "description": body.description,
                "secret": secret,
                "status": "active",
                "created_at": self.clock.now(),
                "created_by_role": actor.role.value,
                "created_by_key": actor.key_id,
                "cursor": head,
                "floor": head,
                "generation": 0,
                "lease_owner": None,
                "lease_until": None,
            }
        )
        if await self.subs.is_closed(agency):
            # Its agency closed while this was being made (the gateway refuses it otherwise): the
            # closing paused the others before this existed, so it pauses itself and says so.
            await self.subs.pause([doc["_id"]], AGENCY_CLOSED, self.clock.now(), None)
            await self.dispatcher.refresh(doc["_id"])  # a supervisor round may have started its lane
            raise Conflict("the agency is closed", code="agency_closed")
        await self.dispatcher.refresh(doc["_id"])
        return {**public_view(doc), "secret": secret}

    async def list(self, actor: Actor, agency: str) -> dict[str, Any]:
        require_manage(actor, agency)
        return {"items": [public_view(d) for d in await self.subs.of_agency(agency, MAX_PER_AGENCY)]}

    async def get(self, actor: Actor, agency: str, sub_id: str) -> dict[str, Any]:
        return public_view(await self._own(actor, agency, sub_id))

    async def delete(self, actor: Actor, agency: str, sub_id: str) -> dict[str, Any]:
        await self._own(actor, agency, sub_id)
        if not await self.subs.delete(sub_id, self.clock.now()):
            raise _not_found()
        await self.dispatcher.refresh(sub_id)
        return {"id": sub_id, "status": "deleted"}

    async def replay(self, actor: Actor, agency: str, sub_id: str, from_seq: int) -> dict[str, Any]:
        await self._own(actor, agency, sub_id, active=True)
        doc = await self.subs.replay(sub_id, from_seq)
        if doc is None:
            raise _not_found()
        await self.dispatcher.refresh(sub_id)
        return {**public_view(doc), "replay_from_seq": from_seq}

    async def log(
        self, actor: Actor, agency: str, sub_id: str, before: int | None, limit: int, dead_only: bool
    ) -> dict[str, Any]:
        sub = Subscription.from_doc(await self._own(actor, agency, sub_id))
        start = before if before is not None else max(sub.cursor, await self.events.head()) + 1
        items, more = await self.deliveries.entries(sub.id, start, sub.floor, limit, dead_only)
        return {"items": items, "next_cursor": str(more) if more is not None else None}

    async def redeliver(self, actor: Actor, agency: str, sub_id: str, delivery_id: str) -> dict[str, Any]:
        """One attempt now, logged; a dead letter delivered this way is marked redelivered."""
        sub = Subscription.from_doc(await self._own(actor, agency, sub_id, active=True))
        m = DELIVERY_ID.match(delivery_id)
        doc = await self.events.by_seq(int(m.group(1))) if m else None
        if doc is None or int(doc["seq"]) <= sub.floor or not sub.matches(doc["agency"], doc["type"]):
            raise NotFound("no such delivery for this subscription", code="delivery_not_found")
        sender = Sender(self.lane.timeout_s, 1, self.lane.allow_private)
        try:
            body = orjson.dumps(doc["event"])
            last = await sender.post(sub.url, sub.secret, doc["event"]["id"], int(self.clock.now().timestamp()), body)
        finally:
            await sender.close()
        now = self.clock.now()
        line = entry(doc, "delivered" if last.ok else "failed", 1, last, now)
        await self.deliveries.record(sub.id, sub.generation, [{**line, "manual": True}], now, manual=True)
        return line
