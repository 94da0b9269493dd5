"""Departments and category maps in MongoDB.

- `departments`: one document per department (_id = its id), read by agency (index agency+kind).
- `category_maps`: one document per agency (_id = the agency): its category → department map.
- `department_trees`: one document per agency (_id = the agency), bumped by every change to the
  agency's departments or map, so two concurrent changes of one agency conflict and one retries
  (two moves that each look fine alone could otherwise make a cycle together).
Every query is by _id or by the (agency, kind) index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.collections import ensure_collections
from review_svc.domain.departments import CategoryMap, Department, DepartmentKind, categories_of, legacy_map

Doc = dict[str, Any]


def _to_doc(d: Department) -> Doc:
    return {
        "agency": d.agency,
        "name": d.name,
        "kind": d.kind.value,
        "unit": d.unit,
        "categories": list(d.categories),
        "parent_id": d.parent_id,
        "archived": d.archived,
    }


def _from_doc(doc: Doc) -> Department:
    return Department(
        id=doc["_id"],
        agency=doc["agency"],
        name=doc["name"],
        kind=DepartmentKind(doc.get("kind", DepartmentKind.DEPARTMENT.value)),
        unit=doc.get("unit", ""),
        categories=tuple(doc.get("categories", ())),
        parent_id=doc.get("parent_id"),
        archived=bool(doc.get("archived", False)),
    )


def _map_from_doc(doc: Doc) -> CategoryMap:
    return CategoryMap(
        agency=doc["_id"],
        mapping=dict(doc.get("map", {})),
        default_department_id=doc.get("default_department_id"),
        version=int(doc.get("version", 0)),
    )


class DepartmentRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._col = db.departments

    async def ensure_indexes(self) -> None:
        await ensure_collections(self._db, "departments", "category_maps", "department_trees")
        await self._col.create_index([("agency", ASCENDING), ("kind", ASCENDING)])

    async def upsert_all(self, departments: Iterable[Department]) -> None:
        """Seed: each department once. Afterwards its agency's admin owns it (renames, moves,
        archives), so a restart must not undo their changes ($setOnInsert)."""
        for d in departments:
            await self._col.update_one({"_id": d.id}, {"$setOnInsert": _to_doc(d)}, upsert=True)

    async def seed_map(self, cmap: CategoryMap, now: datetime) -> None:
        doc = {"map": dict(cmap.mapping), "default_department_id": cmap.default_department_id, "version": 1}
        await self._db.category_maps.update_one(
            {"_id": cmap.agency}, {"$setOnInsert": {**doc, "updated_at": now, "updated_by": "seed"}}, upsert=True
        )

    async def get(self, department_id: str, session: AsyncClientSession | None = None) -> Department | None:
        doc = await self._col.find_one({"_id": department_id}, session=session)
        return _from_doc(doc) if doc else None

    async def for_agency(self, agency: str, session: AsyncClientSession | None = None) -> list[Department]:
        docs = await self._col.find({"agency": agency}, session=session).to_list(None)
        return sorted((_from_doc(d) for d in docs), key=lambda d: d.id)

    async def head_of(self, agency: str, session: AsyncClientSession | None = None) -> Department | None:
        doc = await self._col.find_one({"agency": agency, "kind": DepartmentKind.HEAD.value}, session=session)
        return _from_doc(doc) if doc else None

    async def insert(self, d: Department, session: AsyncClientSession) -> None:
        await self._col.insert_one({"_id": d.id, **_to_doc(d)}, session=session)

    async def save(self, d: Department, session: AsyncClientSession) -> None:
        await self._col.update_one({"_id": d.id}, {"$set": _to_doc(d)}, session=session)

    # -- the category map ------------------------------------------------------------------

    async def map_of(self, agency: str, session: AsyncClientSession | None = None) -> CategoryMap | None:
        doc = await self._db.category_maps.find_one({"_id": agency}, session=session)
        return _map_from_doc(doc) if doc else None

    async def effective_map(self, agency: str, session: AsyncClientSession | None = None) -> CategoryMap:
        """The agency's map, or the one its departments' own categories describe."""
        cmap = await self.map_of(agency, session)
        if cmap is not None:
            return cmap
        return legacy_map(agency, await self.for_agency(agency, session), None)

    async def save_map(self, cmap: CategoryMap, by: str, now: datetime, session: AsyncClientSession) -> None:
        doc = {
            "map": dict(cmap.mapping),
            "default_department_id": cmap.default_department_id,
            "version": cmap.version,
            "updated_at": now,
            "updated_by": by,
        }
        await self._db.category_maps.update_one({"_id": cmap.agency}, {"$set": doc}, upsert=True, session=session)

    async def with_categories(self, agency: str) -> list[Department]:
        """The agency's departments, each with the categories its map gives it."""
        departments = await self.for_agency(agency)
        cmap = await self.map_of(agency)
        if cmap is None:
            return departments
        return [replace(d, categories=categories_of(d.id, cmap)) for d in departments]

    async def ensure_tree(self, agency: str) -> None:
        """The tree document exists before a transaction writes it (outside one: two first
        changes of an agency must not both insert it inside their transactions)."""
        await self._db.department_trees.update_one({"_id": agency}, {"$setOnInsert": {"version": 0}}, upsert=True)

    async def lock_tree(self, agency: str, now: datetime, session: AsyncClientSession) -> None:
        """Write the agency's tree document in this transaction: concurrent changes conflict."""
        await self._db.department_trees.update_one(
            {"_id": agency}, {"$inc": {"version": 1}, "$set": {"at": now}}, session=session
        )
