"""The agency registry in the gateway's database, and its events through the gateway's outbox.

Collections: `agencies` (_id = the agency id) and `agency_hosts` (_id = a host name, the agency
it serves): a host name is unique because it is a primary key, and every look-up is by _id.
Each change and its event (`agency.registered` / `agency.updated` / `agency.closed`, topic
`gongnon.agencies`) commit in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.collections import ensure_collections
from gongnon_chassis.errors import Conflict, Invalid, NotFound
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events.agencies import AgencyClosed, AgencyRegistered, AgencyUpdated
from gongnon_contracts.events.agencies import Branding as BrandingData
from gongnon_gateway.core import agencies as rules
from gongnon_gateway.core.agencies import Agency, AgencyStatus, Branding

log = logging.getLogger(__name__)

Doc = dict[str, Any]

# The host agency's names when it is Seoul (the default); another host is named by its id.
HOST_NAMES = {"seoul": ("서울특별시", "Seoul Metropolitan Government")}
HOST_CACHE_S = 5.0  # how long a host name → agency answer is reused (the site's "/" only)
_NO_AGENCY = ""

# Work that commits with an agency's closing (its API keys revoked): (tx, agency id, by whom).
ClosingStep = Callable[[Tx, str, str], Awaitable[object]]


def _to_doc(a: Agency) -> Doc:
    return {
        "_id": a.id,
        "name_ko": a.name_ko,
        "name_en": a.name_en,
        "host": a.host,
        "branding": a.branding.as_dict(),
        "status": a.status.value,
        "registered_at": a.registered_at,
        "closed_at": a.closed_at,
        "is_host_agency": a.is_host_agency,
    }


def _from_doc(doc: Doc) -> Agency:
    return Agency(
        id=doc["_id"],
        name_ko=doc["name_ko"],
        name_en=doc["name_en"],
        host=doc.get("host"),
        branding=Branding.of(doc.get("branding")),
        status=AgencyStatus(doc.get("status", AgencyStatus.ACTIVE.value)),
        registered_at=doc["registered_at"],
        closed_at=doc.get("closed_at"),
        is_host_agency=bool(doc.get("is_host_agency")),
    )


def _branding_data(b: Branding) -> BrandingData:
    return BrandingData(logo_url=b.logo_url, primary_color=b.primary_color, accent_color=b.accent_color)


class AgencyRegistry:
    def __init__(self, store: Store, host_agency: str) -> None:
        self._store = store
        self.host_agency = host_agency
        self._by_host: dict[str, tuple[float, str]] = {}
        self.closing_steps: list[ClosingStep] = []

    @property
    def _col(self) -> Any:
        return self._store.db.agencies

    async def ensure_collections(self) -> None:
        await ensure_collections(self._store.db, "agencies", "agency_hosts")

    async def ensure_host_agency(self) -> None:
        """Idempotent start-up: the host agency exists (registered once, announced once)."""
        if await self._col.find_one({"_id": self.host_agency}, {"_id": 1}) is not None:
            return
        name_ko, name_en = HOST_NAMES.get(self.host_agency, (self.host_agency, self.host_agency))
        try:
            await self._register(
                Agency(
                    id=self.host_agency,
                    name_ko=name_ko,
                    name_en=name_en,
                    host=None,
                    branding=Branding(),
                    status=AgencyStatus.ACTIVE,
                    registered_at=self._store.clock.now(),
                    is_host_agency=True,
                ),
                by="system",
            )
            log.info("registered the host agency %s", self.host_agency)
        except Conflict:
            pass  # another gateway process registered it at the same moment

    # -- reads -----------------------------------------------------------------------------

    async def get(self, agency_id: str) -> Agency:
        doc = await self._col.find_one({"_id": agency_id})
        if doc is None:
            raise NotFound(f"there is no agency {agency_id!r}", code="agency_not_found")
        return _from_doc(doc)

    async def find(self, agency_id: str) -> Agency | None:
        doc = await self._col.find_one({"_id": agency_id})
        return _from_doc(doc) if doc else None

    async def all(self, limit: int = 500) -> list[Agency]:
        docs = await self._col.find({}).sort("_id", 1).limit(limit).to_list(limit)
        return [_from_doc(d) for d in docs]

    async def require_open(self, agency_id: str) -> Agency:
        """The agency, when it takes new items: 422 `unknown_agency`, 409 `agency_closed` otherwise."""
        agency = await self.find(agency_id)
        if agency is None:
            raise Invalid(f"there is no agency {agency_id!r}", code="unknown_agency")
        rules.require_open(agency)
        return agency

    async def for_host(self, host: str) -> str | None:
        """The id of the agency whose registered host name this is (cached for a few seconds)."""
        now = time.monotonic()
        hit = self._by_host.get(host)
        if hit is not None and hit[0] > now:
            return hit[1] or None
        doc = await self._store.db.agency_hosts.find_one({"_id": host})
        agency_id = str(doc["agency"]) if doc else _NO_AGENCY
        if len(self._by_host) > 1000:  # made-up Host headers must not grow it without bound
            self._by_host.clear()
        self._by_host[host] = (now + HOST_CACHE_S, agency_id)
        return agency_id or None

    # -- changes ---------------------------------------------------------------------------

    async def register(
        self, actor: Actor, *, agency_id: str, name_ko: str, name_en: str, host: str | None, branding: Branding
    ) -> Agency:
        rules.require_super_admin(actor)
        host = rules.normalize_host(host)
        rules.check_new(agency_id, name_ko, name_en, host, branding)
        agency = Agency(
            id=agency_id,
            name_ko=name_ko.strip(),
            name_en=name_en.strip(),
            host=host,
            branding=branding,
            status=AgencyStatus.ACTIVE,
            registered_at=self._store.clock.now(),
        )
        return await self._register(agency, by=actor.account_id)

    async def _register(self, agency: Agency, by: str) -> Agency:
        async def body(tx: Tx) -> Agency:
            # Look before inserting: a duplicate key inside a transaction aborts it on the server.
            if await tx.db.agencies.find_one({"_id": agency.id}, {"_id": 1}, session=tx.session):
                raise Conflict(f"the agency {agency.id!r} already exists", code="agency_exists")
            registered = replace(agency, registered_at=tx.now)
            await self._claim_host(tx, registered.host, registered.id)
            await tx.db.agencies.insert_one({**_to_doc(registered), "registered_by": by}, session=tx.session)
            tx.emit(
                AgencyRegistered(
                    agency_id=registered.id,
                    name_ko=registered.name_ko,
                    name_en=registered.name_en,
                    host=registered.host,
                    branding=_branding_data(registered.branding),
                    registered_at=tx.now,
                ),
                agency=registered.id,
            )
            return registered

        return await self._store.transaction(body)

    async def update(self, actor: Actor, agency_id: str, changes: dict[str, Any]) -> Agency:
        async def body(tx: Tx) -> Agency:
            current = await self._load(tx, agency_id)
            rules.check_patch(actor, current, set(changes))
            updated, changed = rules.patched(current, changes)
            if not changed:
                return current  # the same values again: nothing happened, nothing to announce
            if "host" in changed:
                if current.host:
                    await tx.db.agency_hosts.delete_one({"_id": current.host}, session=tx.session)
                await self._claim_host(tx, updated.host, updated.id)
            await tx.db.agencies.update_one(
                {"_id": agency_id},
                {"$set": {k: v for k, v in _to_doc(updated).items() if k != "_id"} | {"updated_at": tx.now}},
                session=tx.session,
            )
            tx.emit(
                AgencyUpdated(
                    agency_id=updated.id,
                    name_ko=updated.name_ko,
                    name_en=updated.name_en,
                    host=updated.host,
                    branding=_branding_data(updated.branding),
                    changed=changed,
                ),
                agency=updated.id,
            )
            return updated

        agency = await self._store.transaction(body)
        self._by_host.clear()
        return agency

    async def close(self, actor: Actor, agency_id: str) -> Agency:
        rules.require_super_admin(actor)

        async def body(tx: Tx) -> Agency:
            current = await self._load(tx, agency_id)
            closed = rules.closed(current, tx.now)
            if closed is current:
                return current  # already closed: closing again changes nothing
            await tx.db.agencies.update_one(
                {"_id": agency_id},
                {"$set": {"status": closed.status.value, "closed_at": closed.closed_at, "closed_by": actor.account_id}},
                session=tx.session,
            )
            assert closed.closed_at is not None
            for step in self.closing_steps:
                await step(tx, agency_id, actor.account_id)
            tx.emit(AgencyClosed(agency_id=agency_id, closed_at=closed.closed_at), agency=agency_id)
            return closed

        return await self._store.transaction(body)

    async def _load(self, tx: Tx, agency_id: str) -> Agency:
        doc = await tx.db.agencies.find_one({"_id": agency_id}, session=tx.session)
        if doc is None:
            raise NotFound(f"there is no agency {agency_id!r}", code="agency_not_found")
        return _from_doc(doc)

    async def _claim_host(self, tx: Tx, host: str | None, agency_id: str) -> None:
        if host is None:
            return
        if await tx.db.agency_hosts.find_one({"_id": host}, {"_id": 1}, session=tx.session):
            raise Conflict(f"the host name {host} is another agency's", code="host_taken")
        await tx.db.agency_hosts.insert_one({"_id": host, "agency": agency_id, "at": tx.now}, session=tx.session)
