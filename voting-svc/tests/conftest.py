"""Test helpers: a minimal in-process ASGI client (the workspace ships no httpx) and polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import pytest

T = TypeVar("T")


class AsgiClient:
    """Sends one HTTP request at a time straight into the app (its lifespan runs separately)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        body = b"" if json is None else orjson.dumps(json)
        raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        path_only, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path_only,
            "raw_path": path_only.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("voting-svc.test", 80),
            "state": {},
        }
        done = asyncio.Event()
        sent_body = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    done.set()

        await self.app(scope, receive, send)
        done.set()
        raw = b"".join(chunks)
        return status, orjson.loads(raw) if raw else None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return await self.request("POST", path, json=json, headers=headers)

    async def put(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return await self.request("PUT", path, json=json, headers=headers)


async def eventually(probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout_s: float = 90.0) -> T:
    """Poll `probe` until `ok(result)`; the timeout only bounds a hang, it asserts nothing about speed."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await probe()
        if ok(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached; last value: {result!r}")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def asgi_client() -> type[AsgiClient]:
    return AsgiClient


@pytest.fixture(scope="session")
def poll() -> Callable[..., Awaitable[Any]]:
    return eventually
