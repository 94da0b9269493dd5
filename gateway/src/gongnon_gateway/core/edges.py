"""The gateway's edge: one pure ASGI middleware (it is on the vote path, so no per-request object
beyond two closures) for what every response and every request body needs.

- Request bodies are counted while they stream in, whatever Content-Length says. A declared
  length over the route's limit is refused before anything is read; a body that grows past it is
  refused as soon as it does: 413 `payload_too_large` (the JSON error shape), and the app is told
  the client went away, so nothing is parsed or stored.
- Security headers on every response: `nosniff`, a referrer policy, and `frame-ancestors 'none'`
  (with X-Frame-Options for older browsers) so that support and vote buttons cannot be framed
  and clickjacked; HSTS when the request came over TLS.
- Cookies set over TLS are `Secure` (the session cookie, and any other), whatever the code that
  set them said: a browser then never sends them over plain HTTP.

"Came over TLS" is the scope's scheme: the connection's own, or X-Forwarded-Proto from a trusted
proxy only (GONGNON_TRUSTED_PROXIES: uvicorn's ProxyHeadersMiddleware, outside this one, rewrites
it); a header from anyone else is not believed.
  The CSP deliberately restricts only framing, plugins, `<base>` and form targets: the site's pages
  carry inline scripts, and a script policy needs nonces first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from gongnon_chassis.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_LIMIT = 1024 * 1024  # JSON bodies and forms: far above any valid request

HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"),
]
TLS_HEADERS = [*HEADERS, (b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


def _over(limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = orjson.dumps(
        error_body("payload_too_large", f"the request body is larger than {limit:,} bytes", {"limit_bytes": limit})
    )
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())], body


def secure_cookies(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Set-Cookie headers with the `Secure` attribute added where it is missing."""
    out = []
    for name, value in headers:
        if name.lower() == b"set-cookie" and not any(a.strip().lower() == b"secure" for a in value.split(b";")[1:]):
            value = value + b"; Secure"
        out.append((name, value))
    return out


class Edge:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] = lambda _: DEFAULT_LIMIT) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        tls = scope.get("scheme") == "https"
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(send, limit, tls)
                return
        extra = TLS_HEADERS if tls else HEADERS
        received = 0
        refused = started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:  # (an app answering before it has read the body keeps its answer)
                        await self._refuse(send, limit, tls)
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped
            return message

        async def with_headers(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers", [])
                message["headers"] = [*(secure_cookies(headers) if tls else headers), *extra]
            await send(message)

        try:
            await self.app(scope, counted, with_headers)
        except Exception:
            if not refused:
                raise
            # The app saw the client "go away" (ClientDisconnect) after the refusal: already answered.

    @staticmethod
    async def _refuse(send: Send, limit: int, tls: bool) -> None:
        headers, body = _over(limit)
        await send(
            {"type": "http.response.start", "status": 413, "headers": [*headers, *(TLS_HEADERS if tls else HEADERS)]}
        )
        await send({"type": "http.response.body", "body": body})
