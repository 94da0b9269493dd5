"""The inbox HTTP API (see docs/services.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import NotFound
from notify_svc.adapters.inbox import Inbox


def build_router(inbox: Inbox, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["inbox"])

    @router.get("/inbox")
    async def read_inbox(actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        docs = await inbox.latest(actor.account_id, limit)
        return {
            "items": [
                {
                    "id": d["_id"],
                    "item_id": d["item_id"],
                    "kind": d["kind"],
                    "title": d["title"],
                    "body": d["body"],
                    "at": d["at"],
                    "read": d["read"],
                }
                for d in docs
            ],
            "unread": await inbox.unread(actor.account_id),
        }

    @router.post("/inbox/{notification_id}/read")
    async def mark_read(notification_id: str, actor: CurrentActor) -> dict[str, Any]:
        # Someone else's notification is reported as absent: its existence is private too.
        if not await inbox.mark_read(actor.account_id, notification_id, clock.now()):
            raise NotFound("no such notification in your inbox", code="notification_not_found")
        return {"id": notification_id, "read": True, "unread": await inbox.unread(actor.account_id)}

    return router
