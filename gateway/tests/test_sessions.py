"""Sessions end when they are ended (issue 12): a logout revokes its token, an operator's or a
super admin's action every session of an account, on every gateway replica (two apps on one
database, as two replicas share one); old password hashes become argon2id at the next login.
The services are a recording HTTP server; Mongo, Redis and Kafka are real."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_gateway.core.security import hash_password

NAME = "gateway-test-sessions"
PASSWORD = "password-123"


@pytest.fixture(scope="module")
async def replicas(infra: Any, services: Any, kit: Any) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(kit.running_gateway(infra, NAME, urls, test_mode=False))
        two = await stack.enter_async_context(kit.running_gateway(infra, NAME, urls, test_mode=False, fresh=False))
        yield one, two


@pytest.fixture
async def clients(replicas: tuple[FastAPI, FastAPI], kit: Any) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    async with kit.client(replicas[0]) as a, kit.client(replicas[1]) as b:
        yield a, b


async def me(client: httpx.AsyncClient, token: str, kit: Any) -> int:
    return (await client.get("/api/me", headers=kit.bearer(token))).status_code


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


async def test_logout_revokes_the_token_on_every_replica(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    replicas: tuple[FastAPI, FastAPI],
    kit: Any,
    infra: Any,
    services: Any,
) -> None:
    a, b = clients
    token = await kit.register_and_login(a, "leaving@example.org")
    other = await login(b, "leaving@example.org")  # a second session, on the other replica
    assert (await me(a, token, kit), await me(b, token, kit)) == (200, 200)

    r = await a.post("/api/auth/logout", headers=kit.bearer(token))
    assert r.status_code == 204, r.text
    r = await a.get("/api/me", headers=kit.bearer(token))
    assert (r.status_code, r.json()["error"]["code"]) == (401, "invalid_token")
    assert "revoked" in r.json()["error"]["message"]

    async def refused_on_b() -> bool:
        return await me(b, token, kit) == 401

    await eventually(refused_on_b)  # told through Redis, not by a look-up per request
    assert (await me(a, other, kit), await me(b, other, kit)) == (200, 200)  # only that session ended
    assert (await a.post("/api/auth/logout", headers=kit.bearer(token))).status_code == 401

    # A replica started afterwards reads the revocation from the record at start, however long ago
    # it was made (here: an hour, beyond what the catch-up after subscribing re-reads). It also
    # runs with a rotated session secret, the old one listed as previous: nobody is signed out.
    record = replicas[0].state.gateway.runtime.db.session_revocations
    await record.update_many({}, {"$set": {"at": datetime.now(UTC) - timedelta(hours=1)}})
    urls = kit.urls(services.url, services.url, services.url, services.url)
    rotated = {"GATEWAY_SECRET": "a-rotated-session-secret", "GATEWAY_PREVIOUS_SECRETS": f"secret-of-{NAME}"}
    async with (
        kit.running_gateway(infra, NAME, urls, test_mode=False, fresh=False, **rotated) as three,
        kit.client(three) as c,
    ):
        assert (await me(c, token, kit), await me(c, other, kit)) == (401, 200)
        fresh = await login(c, "leaving@example.org")
        assert fresh.split(".")[1] != other.split(".")[1]  # signed with the new secret: its key id
        assert await me(c, fresh, kit) == 200


async def test_logout_needs_a_session(clients: tuple[httpx.AsyncClient, httpx.AsyncClient], kit: Any) -> None:
    a, _ = clients
    assert (await a.post("/api/auth/logout")).status_code == 401
    assert (await a.post("/api/auth/logout", headers=kit.bearer("v2.x.y.z"))).status_code == 401


async def test_a_cookie_logout_needs_the_csrf_header_and_revokes_the_cookie(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], replicas: tuple[FastAPI, FastAPI], kit: Any
) -> None:
    a, _ = clients
    cookie = await kit.register_and_login(a, "cookie-logout@example.org")
    a.cookies.set("gongnon_session", cookie)
    try:
        r = await a.post("/api/auth/logout")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_failed")
        assert await me(a, cookie, kit) == 200
        csrf = replicas[0].state.gateway.tokens.csrf_token(cookie)
        r = await a.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        assert 'gongnon_session=""' in r.headers["set-cookie"]
    finally:
        a.cookies.clear()
    assert await me(a, cookie, kit) == 401


async def test_the_sites_logout_revokes_the_session(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], replicas: tuple[FastAPI, FastAPI], kit: Any
) -> None:
    a, b = clients
    await kit.register_and_login(a, "site-logout@example.org")
    r = await a.post("/login", data={"email": "site-logout@example.org", "password": PASSWORD, "next": "/"})
    assert r.status_code == 303
    cookie = a.cookies["gongnon_session"]
    csrf = replicas[0].state.gateway.tokens.csrf_token(cookie)
    r = await a.post("/logout", data={"csrf": csrf})
    assert r.status_code == 303
    assert "gongnon_session" not in a.cookies
    # A copy of the cookie (another tab, a stolen one) no longer signs anyone in.
    assert await me(a, cookie, kit) == 401

    async def refused_on_b() -> bool:
        return await me(b, cookie, kit) == 401

    await eventually(refused_on_b)


async def _account_id(client: httpx.AsyncClient, token: str, kit: Any) -> str:
    r = await client.get("/api/me", headers=kit.bearer(token))
    account_id: str = r.json()["id"]
    return account_id


async def test_an_operator_revokes_every_session_of_an_account_of_their_agency(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], replicas: tuple[FastAPI, FastAPI], kit: Any
) -> None:
    a, b = clients
    root = await login(a, kit.admin_email, kit.admin_password)
    body = {"email": "op-sessions@example.org", "password": PASSWORD, "display_name": "운영자", "role": "operator"}
    assert (await a.post("/api/admin/accounts", json=body, headers=kit.bearer(root))).status_code == 201
    operator = await login(a, "op-sessions@example.org")
    phone_token = await kit.register_and_login(a, "lost-phone@example.org")
    laptop_token = await login(b, "lost-phone@example.org")
    citizen_id = await _account_id(a, phone_token, kit)

    # Another agency's operator, a citizen, an unknown account: refused, nothing ended.
    accounts = replicas[0].state.gateway.runtime.db.accounts
    await accounts.insert_one(
        {
            "_id": "acc_partner_op",
            "email": "op@partner.example",
            "password_hash": hash_password(PASSWORD),
            "display_name": "남의 운영자",
            "role": "operator",
            "agency": "partner",
            "department_id": None,
            "citizen_key": None,
            "created_at": replicas[0].state.gateway.runtime.clock.now(),
            "verified_at": None,
        }
    )
    partner = await login(a, "op@partner.example")
    path = f"/api/admin/accounts/{citizen_id}/sessions/revoke"
    for who in (partner, laptop_token):
        r = await a.post(path, headers=kit.bearer(who))
        assert r.status_code == 403, r.text
    r = await a.post("/api/admin/accounts/acc_nobody/sessions/revoke", headers=kit.bearer(root))
    assert r.status_code == 404
    root_id = await _account_id(a, root, kit)
    r = await a.post(f"/api/admin/accounts/{root_id}/sessions/revoke", headers=kit.bearer(operator))
    assert r.status_code == 403  # nobody above the operator
    assert (await me(a, phone_token, kit), await me(b, laptop_token, kit)) == (200, 200)

    r = await b.post(path, headers=kit.bearer(operator))
    assert r.status_code == 204, r.text
    assert (await me(b, phone_token, kit), await me(b, laptop_token, kit)) == (401, 401)

    async def refused_on_a() -> bool:
        return (await me(a, phone_token, kit), await me(a, laptop_token, kit)) == (401, 401)

    await eventually(refused_on_a)
    await asyncio.sleep(0.01)  # a new session is issued after the revocation
    again = await login(a, "lost-phone@example.org")
    assert (await me(a, again, kit), await me(b, again, kit)) == (200, 200)

    # A super admin may end anyone's sessions, an operator's too.
    operator_id = await _account_id(a, operator, kit)
    r = await a.post(f"/api/admin/accounts/{operator_id}/sessions/revoke", headers=kit.bearer(root))
    assert r.status_code == 204
    assert await me(a, operator, kit) == 401


def _scrypt(password: str, salt: bytes) -> str:
    """How accounts stored passwords before argon2id: scrypt, N=2^14, r=8, p=1."""
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return f"scrypt$16384$8$1${b64(salt)}${b64(key)}"


async def test_an_old_scrypt_hash_becomes_argon2id_at_the_next_login(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], replicas: tuple[FastAPI, FastAPI], kit: Any
) -> None:
    a, _ = clients
    token = await kit.register_and_login(a, "old-hash@example.org", password="an-old-password")
    accounts = replicas[0].state.gateway.runtime.db.accounts
    account_id = await _account_id(a, token, kit)
    old = _scrypt("an-old-password", b"salt-of-old-hash")
    await accounts.update_one({"_id": account_id}, {"$set": {"password_hash": old}})

    r = await a.post("/api/auth/login", json={"email": "old-hash@example.org", "password": "wrong-password"})
    assert r.status_code == 401
    assert (await accounts.find_one({"_id": account_id}))["password_hash"] == old  # a wrong one changes nothing

    await login(a, "old-hash@example.org", "an-old-password")
    stored = (await accounts.find_one({"_id": account_id}))["password_hash"]
    assert stored.startswith("$argon2id$")
    await login(a, "old-hash@example.org", "an-old-password")  # and it still opens the account
    assert (await accounts.find_one({"_id": account_id}))["password_hash"] == stored  # no rehash each time
