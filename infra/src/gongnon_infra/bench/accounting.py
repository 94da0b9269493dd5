"""What the benches share for setting up items and checking the platform's books afterwards:
filing items through the API, reading many pages at once, each item's tally and public count once
they settle, and which milestones fired (expected from the ledger counts and the rule set).

Moved here from the spread bench so the chaos bench checks the same way; spread imports them back
under their old names."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_chassis.store import outbox_envelopes
from gongnon_infra.bench.votes import api_call, verified_citizen

Doc = dict[str, Any]
MILESTONE = "proposal.milestone_reached"


def proposal_body(i: int) -> Doc:
    return {
        "title": f"분산 공감 시험 제안 {i:05d}: 동네 생활 불편 개선",
        "body": f"여러 제안에 공감이 흩어져 몰릴 때도 집계와 이정표가 제때 반영되는지 확인하는 제안입니다 ({i}).",
        "category": "planning",
        "district": None,
        "hashtags": ["벤치마크"],
    }


async def create_items(gw: str, n: int, parallel: int = 16) -> tuple[list[str], str]:
    """n proposals through the API (each gets its support ballot from proposal.submitted), and
    the author's token."""
    async with aiohttp.ClientSession() as s:
        token = await verified_citizen(s, gw)
        ids: list[str] = [""] * n
        gate = asyncio.Semaphore(parallel)
        done = 0

        async def one(i: int) -> None:
            nonlocal done
            async with gate:
                ids[i] = (await api_call(s, "POST", f"{gw}/api/proposals", token, proposal_body(i)))["id"]
            done += 1
            if done % 1000 == 0:
                print(f"  {done:,} of {n:,} items", flush=True)

        await asyncio.gather(*(one(i) for i in range(n)))
        # Supports need the ballot voting-svc defines from each item's event: wait for all.
        waiting = list(ids)
        for _ in range(600):
            answers = await get_all(s, [f"{gw}/api/proposals/{i}/tally" for i in waiting])
            waiting = [i for i, (status, _) in zip(waiting, answers, strict=True) if status != 200]
            if not waiting:
                break
            await asyncio.sleep(0.5)
        if waiting:
            raise SystemExit(f"{len(waiting)} item(s) never got their ballot")
        return ids, token


async def get_all(s: aiohttp.ClientSession, urls: list[str], parallel: int = 32) -> list[tuple[int, Any]]:
    """GET each URL, at most `parallel` at a time: (status, JSON body) in the URLs' order."""
    gate = asyncio.Semaphore(parallel)

    async def one(url: str) -> tuple[int, Any]:
        async with gate, s.get(url) as r:
            return r.status, await r.json(content_type=None)

    return list(await asyncio.gather(*(one(u) for u in urls)))


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


async def settle_counts(
    mongodb_uri: str, items: list[str], ledger: dict[str, list[datetime]]
) -> tuple[dict[str, Doc], float]:
    """Each item's tally (voting-svc) and public count (what its page shows: proposal-svc's
    support_count, or its live count above it) once the public counts stopped moving towards the ledger (for up to two
    minutes), and how long that took. Read from the stores in one pass each, so settling does not
    load the services it waits for."""
    t0 = time.monotonic()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri)
    wanted = set(items)

    async def read(db: str, coll: str, field: str) -> dict[str, int]:
        cursor = client[db][coll].find({}, {field: 1}, batch_size=5000)
        return {d["_id"]: int(d.get(field, 0)) async for d in cursor if d["_id"] in wanted}

    while True:
        # What the item's page shows: its document's count, or the live one above it.
        public = await read("proposal_svc", "proposals", "support_count")
        for item_id, live in (await read("proposal_svc", "live_counts", "support_count")).items():
            public[item_id] = max(public.get(item_id, 0), live)
        behind = [i for i in items if public.get(i, 0) != len(ledger.get(i, []))]
        if not behind or time.monotonic() - t0 > 120:
            break
        await asyncio.sleep(1.0)
    settled = time.monotonic() - t0
    tallies = await read("voting_svc", "tallies", "total")
    await client.close()
    return {i: {"public": public.get(i, 0), "tally": tallies.get(i, 0)} for i in items}, settled


async def milestones(gw: str, mongodb_uri: str, items: list[str], ledger: dict[str, list[datetime]]) -> dict[str, Any]:
    """Expected (item, rule) firings from the ledger counts and the rule set items open under;
    those on the timelines; doubles (more than one milestone event for one rule of one item); and
    the lag from the crossing vote to the timeline entry and, for a department answer, the case."""
    async with aiohttp.ClientSession() as s:
        rule_set = await api_call(s, "GET", f"{gw}/api/agencies/seoul/ruleset")
        rules = [r for r in rule_set["rules"] if r["metric"] == "supports" and r.get("threshold")]
        lowest = min((int(r["threshold"]) for r in rules), default=0)
        crossed = [i for i in items if lowest and len(ledger.get(i, [])) >= lowest]
        expected = {(i, r["id"]) for i in crossed for r in rules if len(ledger[i]) >= int(r["threshold"])}
        timelines = [body for _, body in await get_all(s, [f"{gw}/api/proposals/{i}/timeline" for i in crossed])]
    on_timeline: dict[tuple[str, str], datetime] = {}
    for i, tl in zip(crossed, timelines, strict=True):
        for e in tl["items"]:
            if e["kind"] == MILESTONE:
                on_timeline[(i, e["data"]["rule_id"])] = datetime.fromisoformat(str(e["at"]))
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    events: Counter[tuple[str, str]] = Counter()
    for env in await outbox_envelopes(client["proposal_svc"], type=MILESTONE):
        data = env["data"]
        events[(data["item_id"], data["rule_id"])] += 1
    cases = {
        (c["item_id"], c["rule_id"]): c["opened_at"]
        async for c in client["review_svc"]["cases"].find(
            {"item_id": {"$in": crossed}}, {"item_id": 1, "rule_id": 1, "opened_at": 1}
        )
    }
    await client.close()
    by_id = {r["id"]: r for r in rules}
    lags: list[float] = []
    cases_missing = 0
    for item, rule_id in expected & on_timeline.keys():
        rule = by_id[rule_id]
        crossing = sorted(ledger[item])[int(rule["threshold"]) - 1]
        done = on_timeline[(item, rule_id)]
        if rule["action"] == "department_answer":
            opened = cases.get((item, rule_id))
            if opened is None:
                cases_missing += 1
                continue
            done = max(done, opened)
        lags.append(max(0.0, (done - crossing).total_seconds() * 1000))
    return {
        "milestones_expected": len(expected),
        "milestones_fired": len(expected & on_timeline.keys()),
        "milestones_unexpected": len(on_timeline.keys() - expected),
        "milestones_doubled": sum(1 for n in events.values() if n > 1),
        "review_cases_missing": cases_missing,
        "milestone_lag_p50_ms": pct(lags, 50),
        "milestone_lag_p99_ms": pct(lags, 99),
        "milestone_lag_max_ms": round(max(lags), 1) if lags else 0.0,
    }
