"""Errors answer in the caller's language: JSON for the API, a page in the site's style for a browser.

`/api/…`, the machine documents (`*.json`, `/docs`, `/metrics`, health) keep the chassis's JSON error
body; every other path is the site, where a person gets an HTML page (404, 403, 405, 500, 503) with
the site's header and a way back, in the page's language (`/en/…` in English). A service outage
gives 503 with a friendly page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongnon_chassis.errors import install_error_handlers
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.site import views
from gongnon_gateway.site.routes import _site_session, render

_MACHINE_PREFIXES = ("/api/", "/docs", "/redoc", "/metrics", "/health", "/ready")


def is_machine_path(path: str) -> bool:
    return path == "/api" or path.startswith(_MACHINE_PREFIXES) or path.endswith(".json")


_PREFIX = "/en"


def as_routed(request: Request) -> Request:
    """The request as the site's routes see it. An unexpected failure (500) reaches the handler
    outside the language prefix, with the path as it was sent: `/en` is taken off here too."""
    state = request.scope.get("state") or {}
    path: str = request.scope["path"]
    if "lang" in state or (path != _PREFIX and not path.startswith(_PREFIX + "/")):
        return request
    raw: bytes = request.scope.get("raw_path") or path.encode()
    scope = {
        **request.scope,
        "path": path[len(_PREFIX) :] or "/",
        "raw_path": raw[len(_PREFIX) :] or b"/",
        "state": {**state, "lang": "en"},
    }
    return Request(scope, request.receive)


async def error_page(request: Request, status: int) -> HTMLResponse:
    request = as_routed(request)
    title, detail = views.error_text(status)
    ctx: GatewayContext | None = getattr(request.app.state, "gateway", None)
    user = None
    if ctx is not None:
        try:
            user = await _site_session(request, ctx)
        except Exception:  # an error page must render even when the session cannot be read
            user = None
    return render(request, "error.html", user, status=status, title=title, detail=detail)


async def _page_for_people(request: Request, json_response: JSONResponse) -> Response | None:
    if is_machine_path(as_routed(request).url.path):
        return None
    page = await error_page(request, json_response.status_code)
    for name in ("allow", "retry-after", "www-authenticate"):
        if name in json_response.headers:
            page.headers[name] = json_response.headers[name]
    return page


def install_error_pages(app: FastAPI) -> None:
    """Replaces the chassis's JSON-only handlers: the same JSON for machine paths, pages elsewhere."""
    install_error_handlers(app, page=_page_for_people)
    app.add_middleware(HeadAsGet)


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110 §9.3.2): FastAPI routes declare GET only, so a HEAD
    to any page answered 405. Streams (server-sent events) are left out: their GET never ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"].endswith("/stream"):
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_headers_only(message: Message) -> None:
            nonlocal finished
            if finished:
                return
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    finished = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
