"""The pull feed across real processes: `GET /api/feed` pages public events by cursor (seq), and
`GET /api/feed/stream` (server-sent events) resumes after a break from `Last-Event-ID` with
nothing missed and nothing repeated."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.support import Gateway, User, eventually

PROPOSAL = {
    "title": "피드로 읽는 제안",
    "body": "기관 시스템이 방화벽 안에서 공개 이벤트를 끌어 읽는지 확인하는 제안입니다.",
    "category": "planning",
    "district": None,
    "hashtags": [],
}


async def head(gw: Gateway, user: User) -> int:
    return int((await gw.ok("GET", f"/api/feed?cursor={2**53}&limit=1", user))["head"])


async def propose(gw: Gateway, author: User, n: int) -> str:
    pid: str = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": f"피드로 읽는 제안 {n}번"}))["id"]
    return pid


async def read_sse(resp: aiohttp.ClientResponse, count: int) -> list[dict[str, Any]]:
    """The next `count` events of a text/event-stream response: {id, event, data}."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    while len(events) < count:
        line = (await resp.content.readline()).decode().rstrip("\n")
        if not line:
            if "data" in current:
                events.append(current)
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return events


async def test_feed_pages_by_cursor(gw: Gateway) -> None:
    reader = await gw.staff("agency_admin")
    start = await head(gw, reader)
    author = await gw.citizen()
    pids = [await propose(gw, author, n) for n in range(3)]

    async def submitted_after(cursor: int) -> list[dict[str, Any]] | None:
        seen: list[dict[str, Any]] = []
        while True:
            page = await gw.ok("GET", f"/api/feed?cursor={cursor}&limit=2&types=item.submitted", reader)
            assert len(page["items"]) <= 2
            seen += page["items"]
            cursor = int(page["next_cursor"])
            if not page["has_more"]:
                break
        mine = [e for e in seen if e["item_id"] in pids]
        return seen if len(mine) == 3 else None

    seen = await eventually(lambda: submitted_after(start), what="three item.submitted in the feed")
    assert all(e["type"] == "item.submitted" for e in seen)
    seqs = [e["seq"] for e in seen]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    # Each once. Not in submission order: different items travel on different Kafka partitions, and
    # the stream keeps each item's order, not an order across items.
    assert sorted(e["item_id"] for e in seen if e["item_id"] in pids) == sorted(pids)
    # Bad input is the caller's error; citizens do not read the agencies' feed.
    assert (await gw.req("GET", "/api/feed?types=vote.cast", reader)).status == 422
    forged = await gw.req("GET", "/api/feed?cursor=-1", reader)
    assert (forged.status, forged.body["error"]["code"]) == (400, "invalid_cursor")
    assert (await gw.req("GET", "/api/feed", author)).status == 403
    assert (await gw.req("GET", "/api/feed")).status == 401
    # An agency system reads it with an API key (scope `read` or `subscriptions`).
    body = {"name": "피드 읽는 시스템", "scopes": ["read"]}
    key = (await gw.ok("POST", "/api/agencies/seoul/api-keys", reader, body))["key"]
    by_key = await gw.ok("GET", f"/api/feed?cursor={start}&types=item.submitted&limit=500", key)
    assert {e["item_id"] for e in by_key["items"]} >= set(pids)


async def test_the_stream_resumes_from_last_event_id(gw: Gateway) -> None:
    reader = await gw.staff("agency_admin")
    author = await gw.citizen()
    start = await head(gw, reader)
    headers = {"Authorization": f"Bearer {reader.token}"}
    url = f"{gw.base}/api/feed/stream?types=item.submitted"
    timeout = aiohttp.ClientTimeout(total=60)
    first = [await propose(gw, author, n) for n in (10, 11)]
    async with gw.s.get(f"{url}&cursor={start}", headers=headers, timeout=timeout) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        got = await asyncio.wait_for(_until_items(resp, first), 60)
    last_id = got[-1]["id"]
    assert int(last_id) == got[-1]["data"]["seq"]

    # Disconnected; meanwhile two more proposals. Reconnecting with Last-Event-ID gives exactly those.
    later = [await propose(gw, author, n) for n in (12, 13)]
    async with gw.s.get(url, headers={**headers, "Last-Event-ID": last_id}, timeout=timeout) as resp:
        resumed = await asyncio.wait_for(_until_items(resp, later), 60)
    ours = [e["data"]["item_id"] for e in resumed if e["data"]["item_id"] in first + later]
    assert ours == later
    assert all(int(e["id"]) > int(last_id) for e in resumed)
    assert all(e["event"] == "item.submitted" for e in resumed)


async def _until_items(resp: aiohttp.ClientResponse, pids: list[str]) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while not set(pids) <= {e["data"]["item_id"] for e in got}:
        got += await read_sse(resp, 1)
    return got
