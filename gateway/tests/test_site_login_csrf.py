"""Login CSRF: the site's login and registration forms refuse posts another site makes a visitor's
browser send (which would sign the visitor in to the attacker's account). A post is taken when
its Origin — or its Referer, without Origin — is this site; a request with neither is no
browser's cross-site form and passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from gongnon_gateway.site.origin import same_origin

SITE = "http://gateway.test"  # the test client's base URL: its requests carry Host: gateway.test
PASSWORD = "password-123"


def request(host: str, **headers: str) -> Request:
    raw = [(b"host", host.encode())] + [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/login", "headers": raw, "query_string": b""})


def test_own_origin_passes_and_any_other_is_refused() -> None:
    assert same_origin(request("gongnon.kr", origin="https://gongnon.kr"))
    assert same_origin(request("gongnon.kr:8443", origin="https://gongnon.kr:8443"))
    assert same_origin(request("GONGNON.kr", origin="https://gongnon.KR"))
    assert same_origin(request("gongnon.kr", referer="https://gongnon.kr/login?next=/"))
    assert same_origin(request("gongnon.kr"))  # neither header: not a browser's cross-site form
    # Behind a reverse proxy that rewrites Host, the public host is in X-Forwarded-Host.
    assert same_origin(request("127.0.0.1:8080", origin="https://gongnon.kr", x_forwarded_host="gongnon.kr"))
    for origin in (
        "https://evil.example",
        "https://gongnon.kr.evil.example",
        "https://evilgongnon.kr",
        "https://gongnon.kr@evil.example",
        "https://gongnon.kr:444",
        "null",
        "file://gongnon.kr",
        "gongnon.kr",
        "",
        "https://[gongnon.kr",
        "https://gongnon.kr:port",
    ):
        assert not same_origin(request("gongnon.kr", origin=origin)), origin
        assert not same_origin(request("gongnon.kr", referer=origin)), origin
    # Origin wins over a Referer (a same-site Referer does not excuse a foreign Origin).
    assert not same_origin(request("gongnon.kr", origin="https://evil.example", referer="https://gongnon.kr/"))


@settings(max_examples=200, deadline=None)
@given(host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True))
def test_any_other_host_is_refused(host: str) -> None:
    if host == "gongnon.kr":
        return
    for scheme in ("http", "https"):
        assert not same_origin(request("gongnon.kr", origin=f"{scheme}://{host}"))
        assert not same_origin(request("gongnon.kr", referer=f"{scheme}://{host}/login"))
        assert same_origin(request(host, origin=f"{scheme}://{host}"))


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-login-csrf", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def browser(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


async def test_a_cross_site_login_post_is_refused(browser: httpx.AsyncClient, kit: Any) -> None:
    await kit.register_and_login(browser, "victim-of-csrf@example.org", password=PASSWORD)
    browser.cookies.clear()
    form = {"email": "victim-of-csrf@example.org", "password": PASSWORD, "next": "/"}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "http://gateway.test.evil.example"},
    ):
        r = await browser.post("/login", data=form, headers=headers)
        assert r.status_code == 403, (headers, r.status_code)
        assert "다른 사이트에서 보낸 요청" in r.text
        assert "gongnon_session" not in r.headers.get("set-cookie", ""), headers
    for headers in ({"Origin": SITE}, {"Referer": f"{SITE}/login"}, {}):
        browser.cookies.clear()
        r = await browser.post("/login", data=form, headers=headers)
        assert r.status_code == 303, (headers, r.status_code, r.text[:200])
        assert "gongnon_session" in browser.cookies, headers


async def test_a_cross_site_registration_post_is_refused(browser: httpx.AsyncClient) -> None:
    form = {"email": "planted@example.org", "display_name": "공격자", "password": PASSWORD}
    r = await browser.post("/register", data=form, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert "gongnon_session" not in r.headers.get("set-cookie", "")
    # Nothing was created: the same address registers from the site itself.
    r = await browser.post("/register", data=form, headers={"Origin": SITE})
    assert r.status_code == 303, r.text[:200]
    assert r.headers["location"].startswith("/verify")
