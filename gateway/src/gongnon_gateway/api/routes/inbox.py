"""The signed-in account's notifications, its notification settings and its deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gongnon_gateway.api.deps import CurrentAccount, NotificationIdPath, UpstreamDep
from gongnon_gateway.api.notification_schemas import DeliveryPageOut, PreferencesIn, PreferencesOut
from gongnon_gateway.api.responses import InboxOut, ReadOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["inbox"], responses=ERROR_RESPONSES)


@router.get("/api/inbox", response_model=InboxOut)
async def inbox(me: CurrentAccount, up: UpstreamDep) -> Response:
    """{items: [{id, item_id, kind, title, body, at, read}], unread}"""
    return await up.forward(Service.NOTIFY, "GET", "/inbox", actor=me)


@router.post("/api/inbox/{notification_id}/read", response_model=ReadOut)
async def mark_read(notification_id: NotificationIdPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    return await up.forward(Service.NOTIFY, "POST", f"/inbox/{notification_id}/read", actor=me)


@router.get("/api/me/notification-preferences", response_model=PreferencesOut)
async def my_preferences(me: CurrentAccount, up: UpstreamDep) -> Response:
    """Your own notification settings (nobody else's: the account is the signed-in one)."""
    return await up.forward(Service.NOTIFY, "GET", "/preferences", actor=me)


@router.put("/api/me/notification-preferences", response_model=PreferencesOut)
async def set_my_preferences(body: PreferencesIn, me: CurrentAccount, up: UpstreamDep) -> Response:
    """Change your notification settings: channels on/off, SMS number, language (ko|en), digest."""
    payload = body.model_dump(exclude_none=True)
    return await up.forward(Service.NOTIFY, "PUT", "/preferences", actor=me, json_body=payload)


@router.get("/api/me/notification-deliveries", response_model=DeliveryPageOut)
async def my_deliveries(
    me: CurrentAccount, up: UpstreamDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Response:
    """Your latest e-mails and SMS and how their delivery went (attempts, last error, delivered_at)."""
    return await up.forward(Service.NOTIFY, "GET", "/deliveries", actor=me, params={"limit": limit})
