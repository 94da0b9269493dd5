"""API keys in the request path: `Authorization: Bearer gk_…` or `X-Api-Key: gk_…` becomes the
actor an agency system acts as (core/api_key_auth.py). Used by deps.py's account dependency and,
for every `/api` route, by `api_key_gate` (bootstrap): a request that carries a key is checked,
counted and rate-limited even where the route itself needs nobody (a public GET), and a bad,
revoked or expired key is 401 there too, never read as anonymous. The key is checked once per
request (the actor is kept on request.state). The vote hot path never calls it (keys do not vote:
there a `gk_` bearer is no session token, 401)."""

from __future__ import annotations

from fastapi import Request
from fastapi.security import APIKeyHeader

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Unavailable
from gongnon_gateway.core.api_key_auth import API_KEY_HEADER, DEPARTMENT_HEADER, ON_BEHALF_HEADER, KeyAuthenticator
from gongnon_gateway.core.api_keys import looks_like_key

# Declares the scheme in the OpenAPI document; the checks stay ours (401 in our error shape).
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An agency system's API key, `gk_<key id>_<secret>` (also accepted as `Authorization: Bearer gk_…`). "
    "`X-On-Behalf-Of: <account id>` (scope submit) acts for one of the agency's verified citizens, "
    "`X-Department: <department id>` (scope answer) as one of its departments.",
)


def presented_key(api_key: str | None, bearer: str | None) -> str | None:
    """The API key the request carries, if any. `Authorization` comes first: with a session token
    there, an X-Api-Key header beside it is not looked at."""
    if bearer:
        return bearer if looks_like_key(bearer) else None
    return api_key or None


def route_of(request: Request) -> str:
    """The matched route's path template (`/api/proposals/{item_id}`), else the path itself."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else request.url.path


_STATE = "api_key_actor"


async def key_actor(request: Request, key: str) -> Actor:
    """The actor the key makes of this request, checked (and counted) once per request."""
    seen: Actor | None = getattr(request.state, _STATE, None)
    if seen is not None:
        return seen
    auth: KeyAuthenticator | None = getattr(request.app.state, "api_keys", None)
    if auth is None:
        raise Unavailable("API keys are not available on this server", code="api_keys_unavailable")
    actor = await auth.actor(
        key,
        request.method,
        route_of(request),
        on_behalf=request.headers.get(ON_BEHALF_HEADER),
        department=request.headers.get(DEPARTMENT_HEADER),
    )
    setattr(request.state, _STATE, actor)
    return actor


def key_of_request(request: Request) -> Actor | None:
    """The actor of the API key this request carried (after api_key_gate), else None."""
    actor: Actor | None = getattr(request.state, _STATE, None)
    return actor


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def api_key_gate(request: Request) -> None:
    """Every /api route: a request carrying an API key is that key's request (401 when it opens
    nothing, 429 beyond its limit, 403 without the scope), whether or not the route needs a caller.
    It reads the headers itself: the OpenAPI document names the key scheme only on the operations
    that take a caller (deps.py), not on the vote path, which no key may use."""
    key = presented_key(request.headers.get(API_KEY_HEADER), _bearer(request))
    if key is not None:
        await key_actor(request, key)
