"""Who is acting. The gateway authenticates the caller and passes the actor to services in one
header; services trust only the gateway (they listen on loopback / the internal network)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Header
from pydantic import BaseModel, ValidationError

from gongnon_chassis.errors import Forbidden, Unauthorized
from gongnon_contracts.events.common import ActorRole

ACTOR_HEADER = "X-Gongnon-Actor"


class Actor(BaseModel):
    account_id: str
    role: ActorRole
    agency: str = "seoul"
    citizen_key: str | None = None  # the verified identity (one person, one vote)
    department_id: str | None = None
    display_name: str = ""
    # Set when an agency system acts through an API key (docs/federation.md): which key, which scopes.
    key_id: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.citizen_key is not None

    def require(self, *roles: ActorRole) -> None:
        if self.role not in roles and self.role != ActorRole.SUPER_ADMIN:
            raise Forbidden(f"this action needs one of the roles: {', '.join(r.value for r in roles)}")

    def header(self) -> dict[str, str]:
        # ASCII-escaped JSON: header values are latin-1 on the wire, and names are Korean.
        return {ACTOR_HEADER: json.dumps(self.model_dump(mode="json", exclude_defaults=True))}


SYSTEM = Actor(account_id="system", role=ActorRole.SYSTEM)


def parse_actor(header: str | None) -> Actor | None:
    """The actor from the header's value (None: anonymous). A plain function, for hot routes that
    skip dependency injection."""
    if not header:
        return None
    try:
        return Actor.model_validate_json(header)
    except ValidationError as exc:
        raise Unauthorized("the actor header is malformed") from exc


async def _optional_actor(x_gongnon_actor: Annotated[str | None, Header()] = None) -> Actor | None:
    return parse_actor(x_gongnon_actor)


async def _required_actor(actor: Annotated[Actor | None, Depends(_optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("sign in first")
    return actor


OptionalActor = Annotated[Actor | None, Depends(_optional_actor)]
CurrentActor = Annotated[Actor, Depends(_required_actor)]
