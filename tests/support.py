"""A small client for the gateway's API, used by the cross-service tests."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from gongnon_infra.cluster import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD
from gongnon_infra.procs import Proc, free_port, port_open, wait_until

T = TypeVar("T")
PASSWORD = "test-password-1234"
_seq = itertools.count()
_run = os.urandom(3).hex()
_run_digits = f"{int.from_bytes(os.urandom(2), 'big') % 10000:04d}"  # phone numbers are digits


@dataclass
class Resp:
    status: int
    body: Any


@dataclass
class User:
    email: str
    token: str
    account: dict[str, Any]


class Gateway:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.s = session
        self.base = base

    @classmethod
    @asynccontextmanager
    async def open(cls, base: str) -> AsyncIterator[Gateway]:
        # Below the gateway's keep-alive (uvicorn closes an idle connection after 5 s): a test that
        # pauses longer (a restart, a mailbox read) would otherwise send on a connection the gateway
        # is closing, and a POST cannot be safely retried.
        conn = aiohttp.TCPConnector(limit=200, keepalive_timeout=3.0)
        async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=60)) as s:
            yield cls(s, base)

    async def req(self, method: str, path: str, user: User | str | None = None, json: Any = None) -> Resp:
        token = user.token if isinstance(user, User) else user
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.s.request(method, f"{self.base}{path}", json=json, headers=headers) as r:
            text = await r.text()
            try:
                import json as _json

                body = _json.loads(text) if text else None
            except ValueError:
                body = text
            return Resp(r.status, body)

    async def ok(self, method: str, path: str, user: User | str | None = None, json: Any = None) -> Any:
        r = await self.req(method, path, user, json)
        assert 200 <= r.status < 300, f"{method} {path} → {r.status} {r.body}"
        return r.body

    async def login(self, email: str, password: str = PASSWORD) -> User:
        body = await self.ok("POST", "/api/auth/login", json={"email": email, "password": password})
        return User(email, body["token"], body.get("account", {}))

    async def admin(self) -> User:
        return await self.login(DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD)

    async def citizen(self, name: str | None = None, identity: tuple[str, str, str] | None = None) -> User:
        """Register, verify (development identity provider) and log in a citizen."""
        n = next(_seq)
        email = f"c{_run}-{n}@test.local"
        display = name or f"시민{n}"
        await self.ok(
            "POST", "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": display}
        )
        user = await self.login(email)
        who = identity or (
            display + _run,
            f"19{70 + n % 30:02d}-01-{1 + n % 28:02d}",
            f"010-{n % 10000:04d}-{_run_digits}",
        )
        await self.ok("POST", "/api/auth/verify", user, {"name": who[0], "birth_date": who[1], "phone": who[2]})
        return await self.login(email)

    async def staff(self, role: str, department_id: str | None = None) -> User:
        admin = await self.admin()
        email = f"{role}-{department_id or 'x'}-{_run}-{next(_seq)}@test.local"
        await self.ok(
            "POST",
            "/api/admin/accounts",
            admin,
            {
                "email": email,
                "password": PASSWORD,
                "display_name": f"{role} {department_id or ''}",
                "role": role,
                "department_id": department_id,
            },
        )
        return await self.login(email)

    async def advance_clock(self, seconds: float) -> Any:
        """Move the platform clock; until every process has re-read it (503 clock_not_refreshed:
        the offset is set, a service missed the word), ask them again."""
        r = await self.req("POST", "/api/_test/clock", json={"advance_s": seconds})
        for _ in range(50):
            if r.status != 503:
                break
            await asyncio.sleep(0.2)
            r = await self.req("POST", "/api/_test/clock", json={"advance_s": 0})
        assert r.status == 200, r.body
        return r.body


async def eventually(fn: Callable[[], Awaitable[T | None]], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll until fn returns a truthy value: the platform is eventually consistent across services."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        try:
            last = await fn()
        except AssertionError as exc:
            last = exc
        if last and not isinstance(last, AssertionError):
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {last!r}")
        await asyncio.sleep(0.1)


@contextmanager
def webhook_receiver_process() -> Iterator[int]:
    """An agency system's webhook receiver (gongnon_infra.webhook_receiver) in a process of its own;
    yields its port."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="gongnon-receiver-"))
    proc = Proc(
        "webhook-receiver",
        [sys.executable, "-m", "gongnon_infra.webhook_receiver", "--port", str(port)],
        workdir / "receiver.log",
    ).start()
    try:
        wait_until(lambda: port_open(port), 30, "webhook receiver", proc)
        yield port
    finally:
        proc.stop()
