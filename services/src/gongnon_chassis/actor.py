"""Who is acting. The gateway authenticates the caller and passes the actor to services in one
header, signed with its private key (gongnon_chassis.actor_tokens); a service believes only an
actor whose signature it can check with the public keys it is configured with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request
from pydantic import BaseModel, ConfigDict

from gongnon_chassis.errors import Forbidden, Unauthorized
from gongnon_contracts.events.common import ActorRole

if TYPE_CHECKING:
    from gongnon_chassis.actor_tokens import ActorTokenVerifier

ACTOR_HEADER = "X-Gongnon-Actor"


class Actor(BaseModel):
    # Frozen, so hashable: the gateway keeps each actor's signed token under the actor itself.
    model_config = ConfigDict(frozen=True)

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
        """For tests that call a service directly: the header signed with the development key,
        which a service accepts only in development or test mode (the gateway signs with its own)."""
        from gongnon_chassis.actor_tokens import development_header  # it imports this module

        return development_header(self)


SYSTEM = Actor(account_id="system", role=ActorRole.SYSTEM)
# The gateway's support relay (gongnon_gateway.support_relay): the one caller whose requests may
# carry other actors in their body (a batch of supports), each vouched for by this signed caller.
RELAY = Actor(account_id="gateway-relay", role=ActorRole.SYSTEM)


def verifier_of(request: Request) -> ActorTokenVerifier:
    verifier: ActorTokenVerifier = request.app.state.actor_tokens
    return verifier


def parse_actor(header: str | None, verifier: ActorTokenVerifier) -> Actor | None:
    """The actor of the header's signed token (None: anonymous; 401 when the token does not
    verify). A plain function, for hot routes that skip dependency injection."""
    if not header:
        return None
    return verifier.verify(header)


async def _optional_actor(request: Request, x_gongnon_actor: Annotated[str | None, Header()] = None) -> Actor | None:
    return parse_actor(x_gongnon_actor, verifier_of(request))


async def _required_actor(actor: Annotated[Actor | None, Depends(_optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("sign in first")
    return actor


async def _relay(actor: Annotated[Actor, Depends(_required_actor)]) -> Actor:
    if actor != RELAY:
        raise Forbidden("only the gateway's relay sends actors in a request body", code="relay_only")
    return actor


OptionalActor = Annotated[Actor | None, Depends(_optional_actor)]
CurrentActor = Annotated[Actor, Depends(_required_actor)]
# The gateway's relay, verified: the actors in the request's body are vouched for by its signature.
RelayCaller = Annotated[Actor, Depends(_relay)]
