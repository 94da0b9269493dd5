"""Who may manage an agency's subscriptions and read the public feed. Pure."""

from __future__ import annotations

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden
from gongnon_contracts.events.common import ActorRole

SCOPE = "subscriptions"
FEED_SCOPES = frozenset({"subscriptions", "read"})


def may_manage(actor: Actor, agency: str) -> bool:
    """The agency's admins, a super admin, or the agency's own system with the `subscriptions` scope."""
    if actor.role == ActorRole.SUPER_ADMIN:
        return True
    if actor.agency != agency:
        return False
    if actor.role == ActorRole.AGENCY_ADMIN:
        return True
    return actor.role == ActorRole.AGENCY_SYSTEM and SCOPE in actor.scopes


def may_read_feed(actor: Actor) -> bool:
    """Agency staff and agency systems (scope `subscriptions` or `read`); the events are public,
    but the feed is an agency's integration, counted against its key."""
    if actor.role in (ActorRole.SUPER_ADMIN, ActorRole.AGENCY_ADMIN, ActorRole.OPERATOR):
        return True
    return actor.role == ActorRole.AGENCY_SYSTEM and bool(FEED_SCOPES & set(actor.scopes))


def require_manage(actor: Actor, agency: str) -> None:
    if not may_manage(actor, agency):
        raise Forbidden(
            "only the agency's admins or its system with the 'subscriptions' scope manage its webhooks",
            code="not_agency_admin",
        )


def require_feed(actor: Actor) -> None:
    if not may_read_feed(actor):
        raise Forbidden("the feed is for agency staff and agency systems (scope 'read' or 'subscriptions')")
