"""The short-lived cache of public list pages: time to live, one database read for concurrent
identical requests, failures not kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from proposal_svc.entrypoints.page_cache import ClearOnWrite, PageCache


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


async def test_a_page_is_kept_for_its_time_to_live() -> None:
    clock = Clock()
    cache = PageCache(1.0, clock)
    reads = 0

    async def read() -> dict[str, int]:
        nonlocal reads
        reads += 1
        return {"n": reads}

    assert await cache.get("latest", read) == {"n": 1}
    clock.t += 0.9
    assert await cache.get("latest", read) == {"n": 1}
    assert await cache.get("popular", read) == {"n": 2}  # another query: its own entry
    clock.t += 0.2
    assert await cache.get("latest", read) == {"n": 3}
    assert not PageCache(0.0).enabled


async def test_concurrent_identical_requests_share_one_read() -> None:
    cache = PageCache(1.0, Clock())
    gate = asyncio.Event()
    reads = 0

    async def read() -> str:
        nonlocal reads
        reads += 1
        await gate.wait()
        return "page"

    waiting = [asyncio.create_task(cache.get("latest", read)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == ["page"] * 5
    assert reads == 1


async def test_a_failed_read_is_not_kept() -> None:
    cache = PageCache(1.0, Clock())
    calls = 0

    async def read() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")
        return "page"

    with pytest.raises(RuntimeError):
        await cache.get("latest", read)
    assert await cache.get("latest", read) == "page"


async def test_clear_drops_pages_and_a_read_begun_before_it_is_not_kept() -> None:
    cache = PageCache(1.0, Clock())
    gate = asyncio.Event()
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        if reads == 2:
            await gate.wait()
        return reads

    assert await cache.get("latest", read) == 1
    cache.clear()
    racing = asyncio.create_task(cache.get("latest", read))  # reads before the write lands
    await asyncio.sleep(0)
    cache.clear()  # the write
    gate.set()
    assert await racing == 2
    assert await cache.get("latest", read) == 3  # the racing read was not kept


async def test_writes_through_the_service_empty_the_cache_reads_do_not() -> None:
    cache = PageCache(60.0, Clock())

    async def read() -> str:
        return "page"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = ClearOnWrite(app, cache)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url="http://t")
    await cache.get("latest", read)
    await client.get("/proposals")
    assert cache._pages
    await client.post("/proposals", json={})
    assert not cache._pages
