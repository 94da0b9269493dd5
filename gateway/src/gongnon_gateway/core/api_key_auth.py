"""An agency system's request, from its API key to the actor the services see (docs/federation.md).

On every request: the key's record (Redis, else MongoDB), its secret (constant-time), its status
(revoked: 401 at once; rotated: until its overlap ends), its rate limit (429, Retry-After), the
scope the request needs (403 `insufficient_scope`), then the actor:

- `X-On-Behalf-Of: <account id>` (scope submit): that citizen's own actor, when the account is a
  verified citizen of the key's agency; `key_id` and `scopes` set.
- `X-Department: <department id>` (scope answer): an officer of that department, when it is an
  active department of the key's agency (review-svc says, `GET /departments/{id}`).
- neither: the agency's system itself, `role=agency_system`.

Another agency's citizen or department is refused exactly like one that does not exist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Forbidden, NotFound, Unauthorized
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core import api_keys as rules
from gongnon_gateway.core.accounts import Account, Accounts
from gongnon_gateway.core.api_key_store import ApiKeyStore
from gongnon_gateway.core.key_limits import KeyLimits
from gongnon_gateway.upstream import Service, Upstream

ON_BEHALF_HEADER = "X-On-Behalf-Of"
DEPARTMENT_HEADER = "X-Department"
API_KEY_HEADER = "X-Api-Key"
_REF = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class Department:
    id: str
    agency: str
    name: str
    archived: bool


class Departments(Protocol):
    async def find(self, department_id: str) -> Department | None: ...


class ReviewDepartments:
    """review-svc owns departments: `GET /departments/{id}` → {id, agency, name, archived, …}."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def find(self, department_id: str) -> Department | None:
        reply = await self._upstream.request(Service.REVIEW, "GET", f"/departments/{department_id}")
        body = reply.json() if reply.ok else None
        if not isinstance(body, dict) or "agency" not in body:
            return None
        return Department(
            id=str(body.get("id", department_id)),
            agency=str(body["agency"]),
            name=str(body.get("name", "")),
            archived=bool(body.get("archived")),
        )


def citizen_actor(account: Account, key: rules.ApiKey) -> Actor:
    """The citizen's actor for a key with `submit`; Forbidden unless a verified citizen of its agency."""
    if account.role != ActorRole.CITIZEN or account.agency != key.agency:
        raise Forbidden("X-On-Behalf-Of names no citizen of this key's agency", code="not_agency_citizen")
    if account.citizen_key is None:
        raise Forbidden("the citizen has not verified an identity", code="verification_required")
    return account.actor().model_copy(update={"key_id": key.id, "scopes": key.scopes})


def department_actor(department: Department | None, key: rules.ApiKey) -> Actor:
    """An officer of the department for a key with `answer`; Forbidden unless one of its agency's
    active departments."""
    if department is None or department.agency != key.agency:
        raise Forbidden("X-Department names no department of this key's agency", code="not_agency_department")
    if department.archived:
        raise Forbidden("the department is archived", code="department_archived")
    return Actor(
        account_id=f"key:{key.id}",
        role=ActorRole.OFFICER,
        agency=key.agency,
        department_id=department.id,
        display_name=f"{department.name} ({key.name})",
        key_id=key.id,
        scopes=key.scopes,
    )


def system_actor(key: rules.ApiKey) -> Actor:
    return Actor(
        account_id=f"key:{key.id}",
        role=ActorRole.AGENCY_SYSTEM,
        agency=key.agency,
        display_name=key.name,
        key_id=key.id,
        scopes=key.scopes,
    )


def _ref(value: str | None, header: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _REF.match(value):
        code = "not_agency_citizen" if header == ON_BEHALF_HEADER else "not_agency_department"
        raise Forbidden(f"{header} is an id of letters, digits, '_' and '-'", code=code)
    return value


class KeyAuthenticator:
    def __init__(
        self, keys: ApiKeyStore, limits: KeyLimits, accounts: Accounts, departments: Departments, clock: Clock
    ) -> None:
        self.keys = keys
        self.limits = limits
        self._accounts = accounts
        self._departments = departments
        self._clock = clock

    async def key_for(self, token: str) -> rules.ApiKey:
        """The key a presented credential opens; 401 for anything else."""
        parsed = rules.parse_key(token)
        if parsed is None:
            raise Unauthorized("the API key is malformed: gk_<key id>_<secret>", code="invalid_api_key")
        key_id, secret = parsed
        key = await self.keys.find(key_id)
        if key is None or not rules.secret_matches(secret, key.secret_hash):
            raise Unauthorized("the API key is not valid", code="invalid_api_key")
        rules.check_usable(key, self._clock.now())
        return key

    async def actor(
        self, token: str, method: str, route: str, *, on_behalf: str | None, department: str | None
    ) -> Actor:
        key = await self.key_for(token)
        await self.limits.hit(key)
        on_behalf = _ref(on_behalf, ON_BEHALF_HEADER)
        department = _ref(department, DEPARTMENT_HEADER)
        rules.require_scope(
            key.scopes, method, route, on_behalf=on_behalf is not None, as_department=department is not None
        )
        if on_behalf is not None:
            try:
                account = await self._accounts.get(on_behalf)
            except NotFound:
                raise Forbidden(
                    "X-On-Behalf-Of names no citizen of this key's agency", code="not_agency_citizen"
                ) from None
            return citizen_actor(account, key)
        if department is not None:
            return department_actor(await self._departments.find(department), key)
        return system_actor(key)
