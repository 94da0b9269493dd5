"""Department use cases: each agency's tree and category map, changed by that agency's admin (or a
super admin), and the head of agency created when an agency is registered. Every change runs in
one transaction that also writes the agency's tree document, so changes of one agency serialize."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden, NotFound
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import AgencyRegistered
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.reference import POLICY_CATEGORIES
from review_svc.adapters.departments import DepartmentRepository
from review_svc.domain import departments as tree
from review_svc.domain.departments import CategoryMap, Department

log = logging.getLogger(__name__)
T = TypeVar("T")


def require_admin(actor: Actor, agency: str) -> None:
    """The agency's admin (기관 관리자) or a super admin; nobody else changes its departments."""
    if actor.role == ActorRole.SUPER_ADMIN:
        return
    if actor.role == ActorRole.AGENCY_ADMIN:
        if actor.agency != agency:
            raise Forbidden("you administer another agency", code="other_agency")
        return
    raise Forbidden("only the agency's admin (기관 관리자) or a super admin may change its departments")


@dataclass
class DepartmentService:
    store: Store
    departments: DepartmentRepository

    # -- queries -------------------------------------------------------------------------------

    async def get(self, department_id: str) -> Department:
        d = await self.departments.get(department_id)
        if d is None:
            raise NotFound("no such department", code="department_not_found")
        return d

    async def list(self, agency: str) -> list[Department]:
        return await self.departments.with_categories(agency)

    async def category_map(self, agency: str) -> CategoryMap:
        return await self.departments.effective_map(agency)

    # -- commands ------------------------------------------------------------------------------

    async def create(self, actor: Actor, agency: str, name: str, unit: str, parent_id: str | None) -> Department:
        require_admin(actor, agency)

        async def body(tx: Tx, existing: Mapping[str, Department]) -> Department:
            d = tree.new_department(new_id("dept_"), agency, name, unit, parent_id, existing)
            await self.departments.insert(d, tx.session)
            return d

        return await self._in_tree(agency, body)

    async def update(self, actor: Actor, department_id: str, changes: Mapping[str, str | None]) -> Department:
        current = await self.get(department_id)
        require_admin(actor, current.agency)

        async def body(tx: Tx, existing: Mapping[str, Department]) -> Department:
            d = self._found(existing, department_id)
            updated = tree.changed(d, existing, changes=changes)
            if updated != d:
                await self.departments.save(updated, tx.session)
            return updated

        return await self._in_tree(current.agency, body)

    async def archive(self, actor: Actor, department_id: str) -> Department:
        current = await self.get(department_id)
        require_admin(actor, current.agency)

        async def body(tx: Tx, existing: Mapping[str, Department]) -> Department:
            d = self._found(existing, department_id)
            done = tree.archived(d, existing)
            if done is not d:
                await self.departments.save(done, tx.session)
            return done

        return await self._in_tree(current.agency, body)

    async def set_category_map(
        self, actor: Actor, agency: str, mapping: Mapping[str, str], default_department_id: str | None
    ) -> CategoryMap:
        require_admin(actor, agency)

        async def body(tx: Tx, existing: Mapping[str, Department]) -> CategoryMap:
            current = await self.departments.map_of(agency, tx.session)
            version = (current.version if current else 0) + 1
            cmap = tree.category_map(agency, mapping, default_department_id, existing, POLICY_CATEGORIES, version)
            await self.departments.save_map(cmap, actor.account_id, tx.now, tx.session)
            return cmap

        return await self._in_tree(agency, body)

    # -- events --------------------------------------------------------------------------------

    async def on_agency_registered(self, tx: Tx, ev: AgencyRegistered) -> Department | None:
        """The new agency's head of agency (기관장) and an empty map, once: an agency that has a
        head already (Seoul's is seeded; a redelivery) is left as it is."""
        if await self.departments.head_of(ev.agency_id, tx.session) is not None:
            return None
        head = tree.head_department(ev.agency_id, ev.name_ko)
        if await self.departments.get(head.id, tx.session) is not None:
            return None
        await self.departments.insert(head, tx.session)
        if await self.departments.map_of(ev.agency_id, tx.session) is None:
            await self.departments.save_map(CategoryMap(ev.agency_id, {}, None, 0), "system", tx.now, tx.session)
        log.info("agency %s registered: head of agency %s created", ev.agency_id, head.id)
        return head

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _found(existing: Mapping[str, Department], department_id: str) -> Department:
        d = existing.get(department_id)
        if d is None:
            raise NotFound("no such department", code="department_not_found")
        return d

    async def _in_tree(self, agency: str, fn: Callable[[Tx, Mapping[str, Department]], Awaitable[T]]) -> T:
        """fn(tx, the agency's departments by id) in one transaction holding the agency's tree."""
        await self.departments.ensure_tree(agency)

        async def body(tx: Tx) -> T:
            await self.departments.lock_tree(agency, tx.now, tx.session)
            existing = {d.id: d for d in await self.departments.for_agency(agency, tx.session)}
            return await fn(tx, existing)

        return await self.store.transaction(body)
