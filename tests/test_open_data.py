"""Open data through the gateway, across the real services: published proposals as JSON pages
and one CSV file under a licence, a hidden one left out, `since` as an incremental feed, and a
title a spreadsheet would run as a formula written as text; daily snapshots that stay as taken."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta
from typing import Any

from gongnon_contracts.reference import KST
from tests.support import Gateway, eventually

_RUN = os.urandom(3).hex()


async def _all_json(gw: Gateway, query: str = "") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = ""
    while True:
        page = await gw.ok("GET", f"/api/open-data/proposals.json?limit=50{query}{after}")
        assert page["licence"]["id"] == "KOGL-1"
        rows += page["items"]
        if not page["next_after"]:
            return rows
        after = f"&after={page['next_after']}"


async def _csv(gw: Gateway, query: str = "") -> tuple[list[dict[str, str]], Any]:
    async with gw.s.get(f"{gw.base}/api/open-data/proposals.csv{query}") as r:
        assert r.status == 200
        text = (await r.read()).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text))), r.headers


async def test_published_proposals_as_json_and_csv(gw: Gateway) -> None:
    author, supporter = await gw.citizen("제안자"), await gw.citizen()
    operator = await gw.staff("operator")
    body = {"body": f"공공데이터로 내려받는 제안입니다 ({_RUN}).", "category": "environment"}
    shown = (await gw.ok("POST", "/api/proposals", author, {**body, "title": f"=HYPERLINK 공원 {_RUN}"}))["id"]
    hidden = (await gw.ok("POST", "/api/proposals", author, {**body, "title": f"숨겨질 제안 {_RUN}"}))["id"]
    await eventually(lambda: _tally(gw, shown), what="support ballot")
    await gw.ok("POST", f"/api/proposals/{shown}/support", supporter)
    await gw.ok("POST", f"/api/moderation/proposal/{hidden}/hide", operator, {"reason": "개인정보 포함"})

    catalogue = await gw.ok("GET", "/api/open-data")
    assert catalogue["datasets"][0]["formats"]["csv"] == "/api/open-data/proposals.csv"

    async def counted() -> list[dict[str, Any]] | None:
        rows = await _all_json(gw)
        mine = [r for r in rows if r["id"] == shown]
        return rows if mine and mine[0]["support_count"] == 1 else None

    rows = await eventually(counted, what="the supported proposal in the open data")
    ids = {r["id"] for r in rows}
    assert hidden not in ids  # hidden: not published
    [row] = [r for r in rows if r["id"] == shown]
    assert (row["category"], row["agency"], row["closed"]) == ("environment", "seoul", False)
    assert "author" not in row
    assert "body" not in row
    page = await gw.ok("GET", "/api/open-data/proposals.json?limit=1")
    assert set(page["items"][0]) == set(page["schema"])  # every field described

    table, headers = await _csv(gw)
    assert "attachment" in headers["Content-Disposition"]
    assert 'rel="license"' in headers["Link"]
    assert {r["id"] for r in table} == ids  # the file holds exactly what the pages hold
    [line] = [r for r in table if r["id"] == shown]
    assert line["title"].startswith("'=HYPERLINK")  # text, not a formula
    assert line["support_count"] == "1"

    # Incremental: nothing changed after a moment in the future; everything since the past.
    now = datetime.fromisoformat((await gw.advance_clock(0))["now"])
    later = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert await _all_json(gw, f"&since={later}") == []
    earlier = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert shown in {r["id"] for r in await _all_json(gw, f"&since={earlier}")}
    bad = await gw.req("GET", "/api/open-data/proposals.json?since=yesterday")
    assert bad.status == 422


async def _tally(gw: Gateway, pid: str) -> bool | None:
    return True if (await gw.req("GET", f"/api/proposals/{pid}/tally")).status == 200 else None


async def _snapshot(gw: Gateway, day: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    chunk: int | None = 0
    while chunk is not None:
        page = await gw.ok("GET", f"/api/open-data/snapshots/{day}/proposals.json?chunk={chunk}")
        rows.extend(page["items"])
        chunk = page["next_chunk"]
    return rows


async def _kept(gw: Gateway, day: str) -> dict[str, Any] | None:
    listed = await gw.ok("GET", "/api/open-data/snapshots")
    return next((s for s in listed["items"] if s["day"] == day), None)


async def test_daily_snapshots_stay_as_they_were_taken(gw: Gateway) -> None:
    now = datetime.fromisoformat((await gw.advance_clock(0))["now"])
    today = now.astimezone(KST).date().isoformat()
    manifest = await eventually(lambda: _kept(gw, today), timeout=60, what="today's snapshot")
    frozen = await _snapshot(gw, today)
    assert len(frozen) == manifest["rows"]

    author, supporter = await gw.citizen(), await gw.citizen()
    body = {
        "title": f"스냅숏 이후의 제안 {_RUN}",
        "body": "하루치 공공데이터 파일에 실리는지 봅니다.",
        "category": "safety",
    }
    late = (await gw.ok("POST", "/api/proposals", author, body))["id"]
    await eventually(lambda: _tally(gw, late), what="support ballot")
    await gw.ok("POST", f"/api/proposals/{late}/support", supporter)

    async def live() -> bool:
        return any(r["id"] == late and r["support_count"] == 1 for r in await _all_json(gw))

    await eventually(live, what="the new item in the live open data")
    assert await _snapshot(gw, today) == frozen  # the day's file does not move

    # The next day (KST) has a file of its own, with the new item as it then stood.
    midnight = datetime.combine(now.astimezone(KST).date() + timedelta(days=1), datetime.min.time(), KST)
    await gw.advance_clock((midnight - now).total_seconds() + 60)
    tomorrow = midnight.date().isoformat()
    await eventually(lambda: _kept(gw, tomorrow), timeout=60, what="the next day's snapshot")
    [row] = [r for r in await _snapshot(gw, tomorrow) if r["id"] == late]
    assert row["support_count"] == 1
    async with gw.s.get(f"{gw.base}/api/open-data/snapshots/{tomorrow}/proposals.csv") as r:
        assert r.status == 200
        table = list(csv.DictReader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert late in {t["id"] for t in table}
    assert len(table) == (await _kept(gw, tomorrow) or {})["rows"]
    assert (await gw.req("GET", "/api/open-data/snapshots/2001-01-01/proposals.json")).status == 404
