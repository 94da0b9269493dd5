"""Hot routes: a few operations take most of the traffic in a burst (a 공감 on the proposal of the
day). Each stays a documented FastAPI route, and is also served by a plain Starlette route
matched before all others, which skips dependency injection and validation: per request that
machinery costs more than the work itself. Both call the same function, so there is one
behaviour; the `id` convertor matches only well-formed ids, so anything else falls through to the
FastAPI route and gets its usual 422."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class IdConvertor(StringConvertor):
    regex = "[A-Za-z0-9_-]{1,64}"


register_url_convertor("id", IdConvertor())


def serve_first(
    app: FastAPI, path: str, endpoint: Callable[[Request], Awaitable[Response]], methods: Sequence[str]
) -> None:
    """Serve `path` (Starlette syntax, e.g. "/items/{item_id:id}/support") with `endpoint`
    ahead of every other route; errors still go through the app's exception handlers."""
    app.router.routes.insert(0, Route(path, endpoint, methods=list(methods)))
