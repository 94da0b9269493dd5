"""The edge middleware (no I/O): request bodies limited while they stream, security headers,
cookies made Secure over TLS (a proxy's X-Forwarded-Proto believed only from a trusted proxy)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gongnon_gateway.core.edges import Edge

LIMIT = 64 * 1024


def app_with_edge() -> tuple[Edge, list[int]]:
    stored: list[int] = []
    app = FastAPI()

    @app.post("/api/things")
    async def things(request: Request) -> dict[str, int]:
        body = await request.body()
        stored.append(len(body))  # what a handler would have parsed and kept
        return {"bytes": len(body)}

    @app.get("/page")
    async def page() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/cookies")
    async def cookies(response: Response) -> dict[str, str]:
        response.set_cookie("gongnon_session", "token", httponly=True)
        response.set_cookie("already", "yes", secure=True)
        return {"ok": "yes"}

    return Edge(app, limit_for=lambda path: LIMIT), stored


def client(app: Any, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


def behind_proxy(edge: Edge, proxy: str = "10.0.0.1") -> ProxyHeadersMiddleware:
    """As bootstrap wires it with GONGNON_TRUSTED_PROXIES: outside the edge."""
    return ProxyHeadersMiddleware(edge, trusted_hosts=[proxy])


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    edge, stored = app_with_edge()
    async with client(edge) as c:
        r = await c.post("/api/things", content=b"x" * (12 * 1024 * 1024))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert r.json()["error"]["details"] == {"limit_bytes": LIMIT}
    assert stored == []


async def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit() -> None:
    edge, stored = app_with_edge()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(200):  # 12.8 MB if it were all read
            sent += 1
            yield b"y" * 65_536

    async with client(edge) as c:
        r = await c.post("/api/things", content=chunks())
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert stored == []
    assert "x-frame-options" in r.headers


async def test_a_body_within_the_limit_passes_with_the_security_headers() -> None:
    edge, stored = app_with_edge()
    https = {"X-Forwarded-Proto": "https"}
    async with client(edge) as c, client(behind_proxy(edge), "10.0.0.1") as via_proxy:
        r = await c.post("/api/things", content=b"z" * LIMIT)
        page = await c.get("/page")
        claimed = await c.get("/page", headers=https)  # no trusted proxy: not believed
        behind_tls = await via_proxy.get("/page", headers=https)
    assert (r.status_code, r.json(), stored) == (200, {"bytes": LIMIT}, [LIMIT])
    for response in (r, page, claimed, behind_tls):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in page.headers
    assert "strict-transport-security" not in claimed.headers
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")


async def test_cookies_set_over_tls_are_secure() -> None:
    edge, _ = app_with_edge()
    https = {"X-Forwarded-Proto": "https"}
    async with client(behind_proxy(edge), "10.0.0.1") as via_proxy, client(behind_proxy(edge), "10.9.9.9") as other:
        tls = await via_proxy.get("/cookies", headers=https)
        plain = await via_proxy.get("/cookies")
        untrusted = await other.get("/cookies", headers=https)
    cookies = tls.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert all(c.lower().count("secure") == 1 for c in cookies), cookies  # added once, never twice
    assert "secure" not in plain.headers.get_list("set-cookie")[0].lower()
    assert "secure" not in untrusted.headers.get_list("set-cookie")[0].lower()
