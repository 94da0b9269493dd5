"""Accounts and roles, stored in the gateway's own database.

Roles come only from the account record: registration always makes a citizen, and staff
accounts are created by an administrator within the limits of `CREATABLE_BY`. Passwords are
argon2id; a hash of an older kind is replaced at the account's next successful login."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import AccountCreated
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.identity import IdentityClaim, IdentityProvider
from gongnon_gateway.core.security import DUMMY_PASSWORD_HASH, hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)

STAFF_ROLES: frozenset[ActorRole] = frozenset(
    {ActorRole.OFFICER, ActorRole.OPERATOR, ActorRole.COMMITTEE, ActorRole.HEAD, ActorRole.AGENCY_ADMIN}
)
# Who may create which staff role: nobody can hand out a role above their own.
CREATABLE_BY: dict[ActorRole, frozenset[ActorRole]] = {
    ActorRole.SUPER_ADMIN: STAFF_ROLES,
    ActorRole.AGENCY_ADMIN: frozenset({ActorRole.OFFICER, ActorRole.OPERATOR, ActorRole.COMMITTEE, ActorRole.HEAD}),
    ActorRole.OPERATOR: frozenset({ActorRole.OFFICER, ActorRole.COMMITTEE, ActorRole.HEAD}),
}
# Whose sessions an operator or administrator of the account's agency may end (a super admin's:
# anyone's). As with creating accounts, nobody reaches a role above their own.
REVOCABLE_BY: dict[ActorRole, frozenset[ActorRole]] = {
    ActorRole.AGENCY_ADMIN: frozenset({ActorRole.CITIZEN, *CREATABLE_BY[ActorRole.AGENCY_ADMIN]}),
    ActorRole.OPERATOR: frozenset({ActorRole.CITIZEN, *CREATABLE_BY[ActorRole.OPERATOR]}),
}
# Checks a new staff account's agency and department before it is created.
StaffVet = Callable[[str, ActorRole, str | None], Awaitable[None]]


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    display_name: str
    role: ActorRole
    agency: str
    department_id: str | None
    citizen_key: str | None
    created_at: datetime
    verified_at: datetime | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Account:
        return cls(
            id=doc["_id"],
            email=doc["email"],
            display_name=doc["display_name"],
            role=ActorRole(doc["role"]),
            agency=doc.get("agency", "seoul"),
            department_id=doc.get("department_id"),
            citizen_key=doc.get("citizen_key"),
            created_at=doc["created_at"],
            verified_at=doc.get("verified_at"),
        )

    def actor(self) -> Actor:
        return Actor(
            account_id=self.id,
            role=self.role,
            agency=self.agency,
            citizen_key=self.citizen_key,
            department_id=self.department_id,
            display_name=self.display_name,
        )


def _announce(tx: Tx, doc: dict[str, Any]) -> None:
    """Tell notify-svc how to reach the account (in the transaction that makes it: both or neither)."""
    tx.emit(
        AccountCreated(
            account_id=doc["_id"],
            email=doc["email"],
            display_name=doc["display_name"],
            role=ActorRole(doc["role"]),
            agency=doc.get("agency", "seoul"),
            department_id=doc.get("department_id"),
            created_at=doc["created_at"],
        ),
        agency=doc.get("agency", "seoul"),
    )


class Accounts:
    def __init__(self, store: Store, identity: IdentityProvider, default_agency: str) -> None:
        self._store = store
        self._identity = identity
        self._default_agency = default_agency

    @property
    def _col(self) -> Any:
        return self._store.db.accounts

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("email", ASCENDING)], unique=True)
        await self._col.create_index([("citizen_key", ASCENDING)])
        await self._col.create_index([("announced", ASCENDING)])

    async def announce_earlier_accounts(self, batch: int = 200) -> int:
        """Accounts made before they were announced on `gongnon.accounts` (an upgrade): announce
        each once now, so notify-svc can reach them too. Returns how many were announced."""
        done = 0
        while True:
            # Missing and null are one index key: the look-up is served by the `announced` index.
            docs = await self._col.find({"announced": None}).limit(batch).to_list(batch)
            for doc in docs:

                async def announce(tx: Tx, d: dict[str, Any] = doc) -> None:
                    await tx.db.accounts.update_one(
                        {"_id": d["_id"]}, {"$set": {"announced": True}}, session=tx.session
                    )
                    _announce(tx, d)

                await self._store.transaction(announce)
            done += len(docs)
            if len(docs) < batch:
                return done

    async def _insert(
        self,
        *,
        email: str,
        password: str,
        display_name: str,
        role: ActorRole,
        agency: str,
        department_id: str | None,
    ) -> Account:
        # argon2id is deliberately slow; keep it off the event loop.
        password_hash = await asyncio.to_thread(hash_password, password)

        async def insert(tx: Tx) -> dict[str, Any]:
            doc = {
                "_id": new_id("acc_"),
                "email": normalize_email(email),
                "password_hash": password_hash,
                "display_name": display_name.strip(),
                "role": role.value,
                "agency": agency,
                "department_id": department_id,
                "citizen_key": None,
                "created_at": tx.now,
                "verified_at": None,
                "announced": True,
            }
            await tx.db.accounts.insert_one(doc, session=tx.session)
            _announce(tx, doc)
            return doc

        try:
            return Account.from_doc(await self._store.transaction(insert))
        except DuplicateKeyError as exc:
            raise Conflict("an account with this e-mail already exists", code="email_taken") from exc

    async def register(self, email: str, password: str, display_name: str) -> Account:
        return await self._insert(
            email=email,
            password=password,
            display_name=display_name,
            role=ActorRole.CITIZEN,
            agency=self._default_agency,
            department_id=None,
        )

    async def authenticate(self, email: str, password: str) -> Account:
        doc = await self._col.find_one({"email": normalize_email(email)})
        stored = doc["password_hash"] if doc else DUMMY_PASSWORD_HASH
        ok = await asyncio.to_thread(verify_password, password, stored)
        if doc is None or not ok:
            raise Unauthorized("the e-mail or password is wrong", code="invalid_credentials")
        if needs_rehash(stored):
            await self._rehash(doc["_id"], stored, password)
        return Account.from_doc(doc)

    async def _rehash(self, account_id: str, stored: str, password: str) -> None:
        """The password just proved right: store it as argon2id with today's parameters. Only if
        the hash is still the one checked (a password changed meanwhile stays changed)."""
        upgraded = await asyncio.to_thread(hash_password, password)
        await self._col.update_one({"_id": account_id, "password_hash": stored}, {"$set": {"password_hash": upgraded}})
        log.info("upgraded the password hash of %s to argon2id", account_id)

    async def get(self, account_id: str) -> Account:
        doc = await self._col.find_one({"_id": account_id})
        if doc is None:
            raise NotFound("no such account", code="account_not_found")
        return Account.from_doc(doc)

    async def check_may_revoke_sessions(self, actor: Actor, account_id: str) -> Account:
        """The account whose sessions `actor` may end: a super admin anyone's; an operator or the
        agency's admin those of their own agency's accounts below them (REVOCABLE_BY)."""
        if actor.role == ActorRole.SUPER_ADMIN:
            return await self.get(account_id)
        allowed = REVOCABLE_BY.get(actor.role)
        if not allowed:
            raise Forbidden("only an operator or an administrator ends another account's sessions")
        account = await self.get(account_id)
        if account.agency != actor.agency or account.role not in allowed:
            raise Forbidden(f"a {actor.role.value} cannot end this account's sessions")
        return account

    async def verify_identity(self, account_id: str, claim: IdentityClaim) -> Account:
        account = await self.get(account_id)
        if account.role != ActorRole.CITIZEN:
            raise Forbidden("only citizen accounts verify an identity; staff vote with their own citizen account")
        identity = await self._identity.verify(claim)

        async def bind(tx: Tx) -> dict[str, Any]:
            doc = await tx.db.accounts.find_one({"_id": account_id}, session=tx.session)
            if doc is None:
                raise NotFound("no such account", code="account_not_found")
            current = doc.get("citizen_key")
            if current == identity.citizen_key:
                return doc  # verifying again as the same person changes nothing
            if current is not None:
                raise Conflict("this account is already verified as another person", code="already_verified")
            update = {
                "citizen_key": identity.citizen_key,
                "identity_provider": identity.provider,
                "verified_at": tx.now,
            }
            await tx.db.accounts.update_one({"_id": account_id}, {"$set": update}, session=tx.session)
            return {**doc, **update}

        return Account.from_doc(await self._store.transaction(bind))

    async def create_staff(
        self,
        creator: Actor,
        *,
        email: str,
        password: str,
        display_name: str,
        role: ActorRole,
        department_id: str | None,
        agency: str | None,
        vet: StaffVet | None = None,
    ) -> Account:
        """vet(agency, role, department_id), once the creator may create this role there: refuses
        an agency or a department that does not exist (staff_vetting.py)."""
        allowed = CREATABLE_BY.get(creator.role, frozenset())
        if not allowed:
            raise Forbidden("only an operator or an administrator creates staff accounts")
        if role not in allowed:
            raise Forbidden(f"a {creator.role.value} cannot create a {role.value} account")
        target_agency = agency or creator.agency
        if target_agency != creator.agency and creator.role != ActorRole.SUPER_ADMIN:
            raise Forbidden("staff accounts can be created only in your own agency")
        if role == ActorRole.OFFICER and not department_id:
            raise Invalid(
                "an officer belongs to a department",
                code="department_required",
                details=[{"loc": ["body", "department_id"], "msg": "required for officers", "type": "missing"}],
            )
        if vet is not None:
            await vet(target_agency, role, department_id)
        return await self._insert(
            email=email,
            password=password,
            display_name=display_name,
            role=role,
            agency=target_agency,
            department_id=department_id,
        )

    async def ensure_super_admin(self, email: str, password: str) -> None:
        """Idempotent bootstrap from the environment: creates the account once, never changes it."""
        if await self._col.find_one({"email": normalize_email(email)}) is not None:
            return
        try:
            await self._insert(
                email=email,
                password=password,
                display_name="관리자",
                role=ActorRole.SUPER_ADMIN,
                agency=self._default_agency,
                department_id=None,
            )
            log.info("created the super admin account %s", normalize_email(email))
        except Conflict:
            pass  # another gateway process created it at the same moment
