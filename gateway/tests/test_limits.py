"""Rate limits on people's routes (core/limits.py), against real Redis through the running gateway:
one with the real defaults, one with small explicit values, a trusted proxy and the docs and
metrics off the public port."""

from __future__ import annotations

import asyncio
import itertools
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_gateway.core.edge_settings import EdgeSettings
from gongnon_gateway.core.limits import PeopleLimits
from gongnon_infra.procs import free_port

PASSWORD = "password-123"
PROXY = "10.0.0.1"  # the small gateway's trusted proxy
_n = itertools.count()


def email() -> str:
    return f"limits-{next(_n)}@example.org"


@pytest.fixture(scope="module")
async def defaults(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    services.on("POST", "/proposals", (201, {"id": "p1"}))
    services.on("POST", "/proposals/p1/comments", (201, {"id": "c1"}))
    services.on("POST", "/proposals/p1/flags", (201, {"id": "f1"}))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    # EdgeSettings() is what a gateway without any GONGNON_LIMIT_* in its environment runs.
    async with kit.running_gateway(infra, "gateway-limits-defaults", urls, test_mode=True, edge=EdgeSettings()) as app:
        yield app


METRICS_PORT = free_port()
SMALL = EdgeSettings(
    GONGNON_LIMIT_LOGIN_PER_IP="3/minute",
    GONGNON_LIMIT_VERIFY_PER_ACCOUNT="3/minute",
    GONGNON_LIMIT_ITEMS_PER_ACCOUNT="1/minute",
    GONGNON_LIMIT_COMMENTS_PER_ACCOUNT="1/minute",
    GONGNON_LIMIT_FLAGS_PER_ACCOUNT="1/minute",
    GONGNON_FAILURES_BEFORE_LOCK=2,
    GONGNON_LOCK_BASE_S=1,
    GONGNON_LOCK_MAX_S=2,
    GONGNON_TRUSTED_PROXIES=PROXY,
    GONGNON_PUBLIC_INTERNALS=False,
    GONGNON_METRICS_PORT=METRICS_PORT,
)


@pytest.fixture(scope="module")
async def small(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-limits-small", urls, test_mode=True, edge=SMALL) as app:
        yield app


def client(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


async def login(c: httpx.AsyncClient, address: str, password: str, **headers: str) -> httpx.Response:
    return await c.post("/api/auth/login", json={"email": address, "password": password}, headers=headers)


def assert_limited(r: httpx.Response) -> int:
    assert r.status_code == 429, (r.status_code, r.text)
    assert r.json()["error"]["code"] == "rate_limited"
    wait = int(r.headers["retry-after"])
    assert wait >= 1
    assert r.json()["error"]["details"]["retry_after_s"] == wait
    return wait


async def after(wait_s: int) -> None:
    """Past a Retry-After (rounded up from Redis's own expiry, so the lock is gone by then)."""
    await asyncio.sleep(wait_s + 0.2)


# --- the real defaults ------------------------------------------------------------------------


async def test_the_eleventh_wrong_password_is_refused_even_with_the_right_one(defaults: FastAPI, kit: Any) -> None:
    async with client(defaults) as c:
        victim = email()
        await kit.register_and_login(c, victim, password=PASSWORD)
        for i in range(10):
            r = await login(c, victim, f"wrong-password-{i}")
            assert r.status_code == 401, (i, r.text)
        wait = assert_limited(await login(c, victim, "wrong-password-10"))
        assert 1 <= wait <= 60
        assert_limited(await login(c, victim, PASSWORD))  # locked: the right password waits too
        # Another account, from the same address, is not locked.
        other = email()
        await kit.register_and_login(c, other, password=PASSWORD)


async def test_opening_items_commenting_and_flagging_are_limited_per_account(
    defaults: FastAPI, kit: Any, services: Any
) -> None:
    async with client(defaults) as c:
        me = kit.bearer(await kit.register_and_login(c, email(), password=PASSWORD))
        other = kit.bearer(await kit.register_and_login(c, email(), password=PASSWORD))
        body = {"title": "제목", "body": "내용", "category": "transport"}
        for path, payload, allowed in [
            ("/api/proposals", body, 10),
            ("/api/proposals/p1/comments", {"body": "댓글"}, 10),
            ("/api/proposals/p1/flags", {"reason": "spam"}, 20),
        ]:
            upstream = path.removeprefix("/api")
            before = len(services.calls("POST", upstream))
            for i in range(allowed):
                r = await c.post(path, json=payload, headers=me)
                assert r.status_code == 201, (path, i, r.text)
            assert_limited(await c.post(path, json=payload, headers=me))
            assert len(services.calls("POST", upstream)) == before + allowed  # the refused one never left
            r = await c.post(path, json=payload, headers=other)
            assert r.status_code == 201, (path, "another account", r.text)


async def test_registering_one_address_again_and_again_is_limited(defaults: FastAPI) -> None:
    async with client(defaults, "192.0.2.7") as c:
        address = email()
        body = {"email": address, "password": PASSWORD, "display_name": "시민"}
        assert (await c.post("/api/auth/register", json=body)).status_code == 201
        for _ in range(4):
            assert (await c.post("/api/auth/register", json=body)).json()["error"]["code"] == "email_taken"
        assert_limited(await c.post("/api/auth/register", json=body))


# --- small explicit values ------------------------------------------------------------------


async def test_the_lock_grows_with_each_failure_up_to_its_cap_and_a_success_resets_it(small: FastAPI, kit: Any) -> None:
    async with client(small, "192.0.2.10") as setup:
        victim = email()
        await kit.register_and_login(setup, victim, password=PASSWORD)
    waits: list[int] = []
    for n in range(3):  # one address per round: the per-IP limit (3/minute) is another matter
        async with client(small, f"192.0.2.{20 + n}") as c:
            if n == 0:
                for _ in range(2):  # two failures: the second locks for the base, 1 s
                    assert (await login(c, victim, "wrong-password")).status_code == 401
            else:
                await after(waits[-1])
                assert (await login(c, victim, "wrong-password")).status_code == 401  # counted: a longer lock
            waits.append(assert_limited(await login(c, victim, "wrong-password")))
    assert waits == [1, 2, 2]  # doubled, then held at GONGNON_LOCK_MAX_S
    async with client(small, "192.0.2.30") as c:
        await after(waits[-1])
        assert (await login(c, victim, PASSWORD)).status_code == 200
        # The success forgot the failures: one more is a plain 401, not a lock at once.
        assert (await login(c, victim, "wrong-password")).status_code == 401
        assert (await login(c, victim, PASSWORD)).status_code == 200


async def test_the_lock_arithmetic_in_redis(small: FastAPI) -> None:
    limits: PeopleLimits = small.state.people_limits
    who = email()
    locks = [await limits.failed("test", who) for _ in range(60)]
    assert locks[:4] == [0, 1000, 2000, 2000]
    assert set(locks[3:]) == {2000}  # capped, however many failures (no overflow)
    await limits.succeeded("test", who)
    assert await limits.failed("test", who) == 0


async def test_the_client_address_comes_from_a_trusted_proxy_only(small: FastAPI) -> None:
    # Through the trusted proxy, each forwarded address has its own limit of 3 a minute.
    async with client(small, PROXY) as via_proxy:
        for n in range(5):
            r = await login(via_proxy, email(), "wrong", **{"X-Forwarded-For": f"198.51.100.{n}"})
            assert r.status_code == 401, (n, r.text)
    # Anyone else's X-Forwarded-For is not believed: changing it does not escape the limit.
    async with client(small, "203.0.113.9") as direct:
        statuses = [
            (await login(direct, email(), "wrong", **{"X-Forwarded-For": f"198.51.100.{50 + n}"})).status_code
            for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
    # IPv6: one /64 is one client.
    async with client(small, "2001:db8:1:2::10") as v6a, client(small, "2001:db8:1:2::99") as v6b:
        for _ in range(3):
            assert (await login(v6a, email(), "wrong")).status_code == 401
        assert_limited(await login(v6b, email(), "wrong"))


async def test_identity_checks_are_limited_and_lock_after_refusals(small: FastAPI, kit: Any) -> None:
    async with client(small, "192.0.2.40") as c:
        token = kit.bearer(await kit.register_and_login(c, email(), password=PASSWORD))
        bad = {"name": "홍길동", "birth_date": "1990-01-01", "phone": "123456789"}
        for _ in range(2):
            r = await c.post("/api/auth/verify", json=bad, headers=token)
            assert r.json()["error"]["code"] == "identity_invalid", r.text
        assert_limited(await c.post("/api/auth/verify", json=bad, headers=token))
        good = {"name": "홍길동", "birth_date": "1990-01-01", "phone": "010-1234-5678"}
        assert_limited(await c.post("/api/auth/verify", json=good, headers=token))  # locked, and 3 a minute


async def test_votes_are_not_limited(small: FastAPI, kit: Any, services: Any) -> None:
    async with client(small, "192.0.2.50") as c:
        token = await kit.register_and_login(c, email(), password=PASSWORD)
        token = kit.bearer(await kit.verify(c, token, "공감인", "1985-05-05", "010-5555-0001"))
        before = len(services.calls("POST", "/items/p9/support"))
        for _ in range(4):  # every other rule here allows one a minute
            r = await c.post("/api/proposals/p9/support", headers=token)
            assert r.status_code != 429, r.text
        assert len(services.calls("POST", "/items/p9/support")) == before + 4


async def test_the_site_form_is_limited_like_the_api(small: FastAPI, kit: Any) -> None:
    victim = email()
    async with client(small, "192.0.2.60") as setup:
        await kit.register_and_login(setup, victim, password=PASSWORD)
    async with client(small, "192.0.2.61") as c:
        form = {"email": victim, "password": "wrong-password", "next": "/"}
        for _ in range(2):
            assert (await c.post("/login", data=form)).status_code == 401
        r = await c.post("/login", data={**form, "password": PASSWORD})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "gongnon_session" not in r.headers.get("set-cookie", "")


async def test_docs_and_metrics_are_off_the_public_port_when_set_and_metrics_on_the_internal_one(
    small: FastAPI, defaults: FastAPI
) -> None:
    paths = ("/docs", "/redoc", "/openapi.json", "/metrics")
    async with client(defaults) as public_by_default, client(small) as c:
        for path in paths:
            assert (await public_by_default.get(path)).status_code == 200, path
            r = await c.get(path)
            assert r.status_code == 404, (path, r.status_code)
        assert (await c.get("/asyncapi.json")).status_code == 200  # the event contract stays public

    def scrape() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    assert "gongnon_http_requests_total" in await asyncio.to_thread(scrape)


async def test_the_session_cookie_is_secure_over_https_through_a_trusted_proxy(small: FastAPI, kit: Any) -> None:
    async with client(small, "192.0.2.70") as setup:
        who = email()
        await kit.register_and_login(setup, who, password=PASSWORD)
    form = {"email": who, "password": PASSWORD, "next": "/"}
    https = {"X-Forwarded-Proto": "https"}
    async with client(small, PROXY) as c:
        r = await c.post("/login", data=form, headers=https)
        assert r.status_code == 303, r.text[:200]
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")
        plain = await c.post("/login", data=form)
        assert "secure" not in plain.headers["set-cookie"].lower()
    async with client(small, "192.0.2.71") as untrusted:  # its X-Forwarded-Proto is not believed
        r = await untrusted.post("/login", data=form, headers=https)
        assert "secure" not in r.headers["set-cookie"].lower()
        assert "strict-transport-security" not in r.headers
