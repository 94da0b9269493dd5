"""Delivery channels behind one interface. The in-app inbox is one; e-mail and SMS are others
that, in this deployment, record each outgoing message in the `outgoing` collection instead of
sending it (a mail or SMS gateway adapter would read from there or replace these)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_contracts import new_id
from notify_svc.adapters.inbox import Inbox
from notify_svc.domain.audience import Notification

Doc = dict[str, Any]
Render = Callable[[Notification], tuple[str, str]]


class Channel(Protocol):
    name: str

    async def ensure_indexes(self) -> None: ...

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        """Deliver each notification at most once, however often it is handed over."""
        ...


def _email(n: Notification) -> tuple[str, str]:
    return f"[공론] {n.title}", n.body


SMS_CHARS = 70  # one Korean SMS segment


def _sms(n: Notification) -> tuple[str, str]:
    text = f"[공론] {n.title}"
    return "", text if len(text) <= SMS_CHARS else text[: SMS_CHARS - 1] + "…"


class RecordedChannel:
    """E-mail or SMS recorded in `outgoing`, one message per (channel, happening, account).
    The address is resolved from the account by the sender: identities live in the gateway."""

    def __init__(self, db: AsyncDatabase[Doc], name: str, render: Render) -> None:
        self.name = name
        self._col = db.outgoing
        self._render = render

    async def ensure_indexes(self) -> None:
        await self._col.create_index(
            [("channel", ASCENDING), ("broadcast_id", ASCENDING), ("account_id", ASCENDING)], unique=True
        )

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        if not notes:
            return
        ops = []
        for n in notes:
            subject, text = self._render(n)
            doc = {
                "_id": new_id("out_"),
                "item_id": n.item_id,
                "event_id": n.event_id,
                "kind": n.kind,
                "subject": subject,
                "text": text,
                "at": n.at,
                "status": "recorded",
            }
            key = {"channel": self.name, "broadcast_id": n.broadcast_id, "account_id": n.account_id}
            ops.append(UpdateOne(key, {"$setOnInsert": doc}, upsert=True))
        await self._col.bulk_write(ops, ordered=False, session=session)


def build_channels(db: AsyncDatabase[Doc], names: Sequence[str]) -> list[Channel]:
    known: dict[str, Callable[[], Channel]] = {
        "inapp": lambda: Inbox(db),
        "email": lambda: RecordedChannel(db, "email", _email),
        "sms": lambda: RecordedChannel(db, "sms", _sms),
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown notification channels: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n]() for n in names]
