"""Live counts: the gateway streams an item's tally to browsers with server-sent events while
votes are cast, and the proposal page's counter listens to that stream."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from typing import Any

import aiohttp

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.cluster import SERVICES, Cluster
from tests.support import Gateway, eventually

VOTERS = 40
PROPOSAL = {
    "title": "공감 수가 실시간으로 올라가는 것을 보고 싶어요",
    "body": "공감하면 새로고침하지 않아도 숫자와 진행 막대가 바로 바뀌면 좋겠습니다.",
    "category": "culture",
    "district": "seongbuk",
    "hashtags": [],
}


def _tokens(cluster: Cluster, n: int) -> list[str]:
    secret = cluster.env_for(next(s for s in SERVICES if s.name == "gateway"))["GATEWAY_SECRET"]
    signer = TokenSigner(secret.encode(), timedelta(hours=1), SystemClock())
    run = os.urandom(3).hex()
    return [
        signer.issue(Actor(account_id=f"acc-live-{run}-{i}", role=ActorRole.CITIZEN, citizen_key=f"live-{run}-{i}"))
        for i in range(n)
    ]


async def _events(resp: aiohttp.ClientResponse) -> Any:
    """Parse a text/event-stream into (event, id, data) tuples; comments come as ("comment", ...)."""
    event, ident, data = "message", "", list[str]()
    async for raw in resp.content:
        line = raw.decode().rstrip("\r\n")
        if line == "":
            if data:
                yield event, ident, json.loads("\n".join(data))
            event, ident, data = "message", "", list[str]()
        elif line.startswith(":"):
            yield "comment", "", line[1:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("id:"):
            ident = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


async def test_tally_stream_sends_a_snapshot_then_every_change(cluster: Cluster, gw: Gateway) -> None:
    author = await gw.citizen()
    pid = (await gw.ok("POST", "/api/proposals", author, PROPOSAL))["id"]
    await eventually(lambda: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open")
    tokens = _tokens(cluster, VOTERS)

    seen: list[dict[str, Any]] = []
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    async with (
        aiohttp.ClientSession(timeout=timeout) as browser,
        browser.get(f"{gw.base}/api/proposals/{pid}/tally/stream") as resp,
    ):
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        assert resp.headers["Cache-Control"] == "no-cache"
        stream = _events(resp)
        event, ident, first = await anext(stream)
        assert event == "tally"
        assert (first["item_id"], first["total"], ident) == (pid, 0, str(first["seq"]))

        async def cast() -> None:
            # In small waves, so the ledger writer commits several batches (several snapshots).
            for wave in range(4):
                chunk = tokens[wave * VOTERS // 4 : (wave + 1) * VOTERS // 4]
                results = await asyncio.gather(*(gw.req("POST", f"/api/proposals/{pid}/support", t) for t in chunk))
                assert all(r.status == 201 for r in results), [r.body for r in results if r.status != 201]
                await asyncio.sleep(0.5)

        voting = asyncio.create_task(cast())

        async def until_all_counted() -> None:
            async for event, ident, data in stream:
                if event != "tally":
                    continue
                seen.append(data)
                assert ident == str(data["seq"])
                if data["total"] >= VOTERS:
                    return

        await asyncio.wait_for(until_all_counted(), timeout=120)
        await voting

    assert seen[-1]["total"] == VOTERS
    assert [s["seq"] for s in seen] == sorted({s["seq"] for s in seen}), "snapshots come in order, once each"
    totals = [s["total"] for s in seen]
    assert totals == sorted(totals)
    assert totals[0] > 0
    assert all(s["item_id"] == pid and s["kind"] == "support" for s in seen)

    # The browser went away; the gateway still serves (its watcher was cleaned up, nothing leaks into errors).
    tally = await gw.ok("GET", f"/api/proposals/{pid}/tally")
    assert tally["total"] == VOTERS


async def test_stream_of_an_unknown_item_is_404_and_the_page_listens(gw: Gateway) -> None:
    missing = await gw.req("GET", "/api/proposals/pr_does_not_exist/tally/stream")
    assert missing.status == 404
    assert missing.body["error"]["code"] == "item_not_votable"

    author = await gw.citizen()
    pid = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": "실시간 공감 숫자 화면 시험"}))["id"]
    async with gw.s.get(f"{gw.base}/proposals/{pid}") as page:
        html = await page.text()
    assert page.status == 200
    assert 'id="support-count"' in html
    assert f'new EventSource("/api/proposals/{pid}/tally/stream")' in html


async def _status(gw: Gateway, path: str, status: int) -> bool:
    return (await gw.req("GET", path)).status == status
