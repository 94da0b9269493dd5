"""Departments in MongoDB: seeded by upsert at startup, read by agency."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from review_svc.domain.departments import Department, DepartmentKind

Doc = dict[str, Any]


def _to_doc(d: Department) -> Doc:
    return {
        "agency": d.agency,
        "name": d.name,
        "kind": d.kind.value,
        "unit": d.unit,
        "categories": list(d.categories),
    }


def _from_doc(doc: Doc) -> Department:
    return Department(
        id=doc["_id"],
        agency=doc["agency"],
        name=doc["name"],
        kind=DepartmentKind(doc.get("kind", DepartmentKind.DEPARTMENT.value)),
        unit=doc.get("unit", ""),
        categories=tuple(doc.get("categories", ())),
    )


class DepartmentRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.departments

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("agency", ASCENDING), ("kind", ASCENDING)])

    async def upsert_all(self, departments: Iterable[Department]) -> None:
        # $set (not $setOnInsert) so a renamed department in the data module reaches the database.
        for d in departments:
            await self._col.update_one({"_id": d.id}, {"$set": _to_doc(d)}, upsert=True)

    async def get(self, department_id: str, session: AsyncClientSession | None = None) -> Department | None:
        doc = await self._col.find_one({"_id": department_id}, session=session)
        return _from_doc(doc) if doc else None

    async def for_agency(self, agency: str, session: AsyncClientSession | None = None) -> list[Department]:
        docs = await self._col.find({"agency": agency}, session=session).to_list(None)
        return sorted((_from_doc(d) for d in docs), key=lambda d: d.id)

    async def head_of(self, agency: str) -> Department | None:
        doc = await self._col.find_one({"agency": agency, "kind": DepartmentKind.HEAD.value})
        return _from_doc(doc) if doc else None
