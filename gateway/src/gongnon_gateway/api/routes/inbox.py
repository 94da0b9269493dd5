"""The signed-in account's notifications."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gongnon_gateway.api.deps import CurrentAccount, NotificationIdPath, UpstreamDep
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
