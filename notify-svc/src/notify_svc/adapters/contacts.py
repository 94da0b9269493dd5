"""Who can be reached and how: each account's contact facts, as the gateway announced them
(`account.created`: e-mail, role, agency, department), and each person's notification preferences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_contracts.events import AccountCreated
from notify_svc.domain.delivery import Preferences

Doc = dict[str, Any]


@dataclass(frozen=True)
class Contact:
    account_id: str
    email: str
    display_name: str
    role: str
    agency: str
    department_id: str | None


def _contact(d: Doc) -> Contact:
    return Contact(d["_id"], d["email"], d.get("display_name", ""), d["role"], d["agency"], d.get("department_id"))


class ContactRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.contacts

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("department_id", ASCENDING), ("role", ASCENDING)])
        await self._col.create_index([("agency", ASCENDING), ("role", ASCENDING)])

    async def record(self, ev: AccountCreated, session: AsyncClientSession) -> None:
        await self._col.update_one(
            {"_id": ev.account_id},
            {
                "$set": {
                    "email": ev.email,
                    "display_name": ev.display_name,
                    "role": ev.role.value,
                    "agency": ev.agency,
                    "department_id": ev.department_id,
                    "created_at": ev.created_at,
                }
            },
            upsert=True,
            session=session,
        )

    async def get(self, account_id: str, session: AsyncClientSession | None = None) -> Contact | None:
        d = await self._col.find_one({"_id": account_id}, session=session)
        return _contact(d) if d else None

    async def get_many(self, ids: Iterable[str], session: AsyncClientSession | None = None) -> dict[str, Contact]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        docs = await self._col.find({"_id": {"$in": wanted}}, session=session).to_list(None)
        return {d["_id"]: _contact(d) for d in docs}

    async def of_department(
        self, department_id: str, roles: Sequence[str], session: AsyncClientSession
    ) -> list[Contact]:
        docs = await self._col.find(
            {"department_id": department_id, "role": {"$in": list(roles)}}, session=session
        ).to_list(None)
        return [_contact(d) for d in docs]

    async def of_agency(self, agency: str, roles: Sequence[str], session: AsyncClientSession) -> list[Contact]:
        docs = await self._col.find({"agency": agency, "role": {"$in": list(roles)}}, session=session).to_list(None)
        return [_contact(d) for d in docs]


class PreferenceRepository:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.preferences

    async def get(self, account_id: str, session: AsyncClientSession | None = None) -> Preferences:
        d = await self._col.find_one({"_id": account_id}, session=session)
        return _prefs(d)

    async def get_many(self, ids: Iterable[str], session: AsyncClientSession | None = None) -> dict[str, Preferences]:
        """Everyone's preferences (the defaults for those who never chose)."""
        wanted = sorted(set(ids))
        docs = (
            {d["_id"]: d for d in await self._col.find({"_id": {"$in": wanted}}, session=session).to_list(None)}
            if wanted
            else {}
        )
        return {a: _prefs(docs.get(a)) for a in wanted}

    async def save(self, account_id: str, prefs: Preferences, now: datetime) -> None:
        await self._col.update_one({"_id": account_id}, {"$set": {**asdict(prefs), "updated_at": now}}, upsert=True)


def _prefs(d: Doc | None) -> Preferences:
    if not d:
        return Preferences()
    return Preferences(
        email=bool(d.get("email", True)),
        sms=bool(d.get("sms", False)),
        sms_number=d.get("sms_number"),
        language=d.get("language", "ko"),
        digest=d.get("digest", "auto"),
    )
