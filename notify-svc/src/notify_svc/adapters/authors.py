"""Who wrote each item (from `proposal.submitted`), so its author can be told what happens to it
personally (a moderation decision and its reason)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]


class ItemAuthors:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.item_authors

    async def remember(self, item_id: str, account_id: str, session: AsyncClientSession) -> None:
        await self._col.update_one({"_id": item_id}, {"$set": {"account_id": account_id}}, upsert=True, session=session)

    async def of(self, item_id: str, session: AsyncClientSession) -> str | None:
        d = await self._col.find_one({"_id": item_id}, session=session)
        return d["account_id"] if d else None
