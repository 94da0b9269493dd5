"""The facts department statistics are computed from: one projection of the agency's routed cases
opened in a period (served by the (agency, opened_at) index)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from review_svc.domain.department_stats import CaseFacts

Doc = dict[str, Any]
PROJECTION = {
    "department_id": 1,
    "department_name": 1,
    "opened_at": 1,
    "due_at": 1,
    "status": 1,
    "answer.submitted_at": 1,
}


class CaseFactsReader:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.cases

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("agency", ASCENDING), ("opened_at", ASCENDING)])

    async def facts(self, agency: str, since: datetime | None, until: datetime | None) -> list[CaseFacts]:
        opened: dict[str, datetime] = {}
        if since is not None:
            opened["$gte"] = since
        if until is not None:
            opened["$lt"] = until
        query: Doc = {"agency": agency, "department_id": {"$ne": None}}
        if opened:
            query["opened_at"] = opened
        out = []
        async for d in self._col.find(query, PROJECTION):
            answer = d.get("answer") or {}
            out.append(
                CaseFacts(
                    department_id=d["department_id"],
                    department_name=d.get("department_name", ""),
                    opened_at=d["opened_at"],
                    due_at=d["due_at"],
                    published=d.get("status") == "published",
                    submitted_at=answer.get("submitted_at"),
                )
            )
        return out
