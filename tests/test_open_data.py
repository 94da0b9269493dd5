"""Open data through the gateway, across the real services: published proposals as JSON pages
and one CSV file under a licence, a hidden one left out, `since` as an incremental feed, and a
title a spreadsheet would run as a formula written as text."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta
from typing import Any

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
