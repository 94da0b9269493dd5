"""`./dev bench spread`: supports as a city casts them. Distinct verified citizens support 10,000
items with a Zipf-like popularity (the item of rank k is picked with weight 1/k^s: a few hot
items, a long tail) through the gateway, under wrk at the highest rate the stack takes, for 60 s
after a warm-up. Measured side by side in the one run:

- votes/s and latency of the supports;
- count lag: samplers cast supports of their own meanwhile and, for each one accepted, time how
  long until the item's public count (the proposal's support_count) includes it;
- milestone lag: for every support that crossed a rule's threshold (the N-th vote in the ledger by
  the time it was cast), how long until the milestone was on the item's timeline and, for a
  department-answer rule, the review case was open (server times, one machine clock);
- exactness: each item's ledger == tally == public count, every accepted vote in the ledger, each
  milestone fired once (none doubled, none missing).

Writes bench-results/spread.json (and spread-profile.txt: where the downstream consumers' time goes)."""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import random
import secrets
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_contracts import Topic
from gongnon_infra.bench import profile, write_results
from gongnon_infra.bench.votes import api_call, cpu_seconds, mint_tokens, server_accepted, verified_citizen
from gongnon_infra.bench.wrk import WrkResult, run_wrk
from gongnon_infra.cluster import Cluster
from gongnon_infra.infra import LocalInfra
from voting_svc.adapters.kafka_offsets import wait_until_consumed
from voting_svc.entrypoints.ledger_writer import ledger_group

Doc = dict[str, Any]
MILESTONE = "proposal.milestone_reached"
LAG_CAP_S = 60.0  # a sample not settled by then counts as this (and shows as a failure)


def _body(i: int) -> Doc:
    return {
        "title": f"분산 공감 시험 제안 {i:05d}: 동네 생활 불편 개선",
        "body": f"여러 제안에 공감이 흩어져 몰릴 때도 집계와 이정표가 제때 반영되는지 확인하는 제안입니다 ({i}).",
        "category": "planning",
        "district": None,
        "hashtags": ["벤치마크"],
    }


async def _create_items(gw: str, n: int, parallel: int = 16) -> tuple[list[str], str]:
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
                ids[i] = (await api_call(s, "POST", f"{gw}/api/proposals", token, _body(i)))["id"]
            done += 1
            if done % 1000 == 0:
                print(f"  {done:,} of {n:,} items", flush=True)

        await asyncio.gather(*(one(i) for i in range(n)))
        # Supports need the ballot voting-svc defines from each item's event: wait for all.
        waiting = list(ids)
        for _ in range(600):
            answers = await _gather(s, [f"{gw}/api/proposals/{i}/tally" for i in waiting])
            waiting = [i for i, (status, _) in zip(waiting, answers, strict=True) if status != 200]
            if not waiting:
                break
            await asyncio.sleep(0.5)
        if waiting:
            raise SystemExit(f"{len(waiting)} item(s) never got their ballot")
        return ids, token


async def _gather(s: aiohttp.ClientSession, urls: list[str], parallel: int = 32) -> list[tuple[int, Any]]:
    """GET each URL, at most `parallel` at a time: (status, JSON body) in the URLs' order."""
    gate = asyncio.Semaphore(parallel)

    async def one(url: str) -> tuple[int, Any]:
        async with gate, s.get(url) as r:
            return r.status, await r.json(content_type=None)

    return list(await asyncio.gather(*(one(u) for u in urls)))


@dataclass
class Sampler:
    """Casts supports of its own during the run and times how long each takes to show in the
    item's public count. Runs its own event loop in a thread, beside wrk."""

    gw: str
    items: list[str]
    cumulative: list[float]
    tokens: list[str]
    workers: int = 8
    lags_ms: list[float] = field(default_factory=list)
    accepted: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=LAG_CAP_S + 30)

    async def _run(self) -> None:
        tokens = iter(self.tokens)
        rng = random.Random(7)
        async with aiohttp.ClientSession() as s:

            async def worker() -> None:
                while not self._stop.is_set():
                    item = self.items[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]
                    token = next(tokens, None)
                    if token is None:
                        return
                    headers = {"Authorization": f"Bearer {token}"}
                    async with s.post(f"{self.gw}/api/proposals/{item}/support", headers=headers) as r:
                        body = await r.json(content_type=None)
                        status = r.status
                    accepted_at = time.monotonic()
                    if status != 201 or not isinstance(body, dict) or body.get("total") is None:
                        continue
                    self.accepted += 1
                    total = int(body["total"])
                    while True:
                        async with s.get(f"{self.gw}/api/proposals/{item}") as r:
                            seen = int((await r.json(content_type=None)).get("support_count", 0))
                        waited = time.monotonic() - accepted_at
                        if seen >= total or waited >= LAG_CAP_S:
                            self.lags_ms.append(min(waited, LAG_CAP_S) * 1000)
                            break
                        await asyncio.sleep(0.02)
                    await asyncio.sleep(0.05)

            await asyncio.gather(*(worker() for _ in range(self.workers)))


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


async def _ledger(mongodb_uri: str) -> dict[str, list[datetime]]:
    """Every ledger vote's cast time, per item (one pass; the counts are the lists' lengths)."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    votes: dict[str, list[datetime]] = defaultdict(list)
    async for d in client["voting_svc"]["ledger"].find({}, {"item_id": 1, "cast_at": 1, "_id": 0}, batch_size=5000):
        votes[d["item_id"]].append(d["cast_at"])
    await client.close()
    return votes


async def _settle_counts(
    mongodb_uri: str, items: list[str], ledger: dict[str, list[datetime]]
) -> tuple[dict[str, Doc], float]:
    """Each item's tally (voting-svc) and public count (proposal-svc's support_count, what its page
    and lists show) once the public counts stopped moving towards the ledger (for up to two
    minutes), and how long that took. Read from the stores in one pass each, so settling does not
    load the services it waits for."""
    t0 = time.monotonic()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri)
    wanted = set(items)

    async def read(db: str, coll: str, field: str) -> dict[str, int]:
        cursor = client[db][coll].find({}, {field: 1}, batch_size=5000)
        return {d["_id"]: int(d.get(field, 0)) async for d in cursor if d["_id"] in wanted}

    while True:
        public = await read("proposal_svc", "proposals", "support_count")
        behind = [i for i in items if public.get(i, 0) != len(ledger.get(i, []))]
        if not behind or time.monotonic() - t0 > 120:
            break
        await asyncio.sleep(1.0)
    settled = time.monotonic() - t0
    tallies = await read("voting_svc", "tallies", "total")
    await client.close()
    return {i: {"public": public.get(i, 0), "tally": tallies.get(i, 0)} for i in items}, settled


async def _milestones(gw: str, mongodb_uri: str, items: list[str], ledger: dict[str, list[datetime]]) -> dict[str, Any]:
    """Expected (item, rule) firings from the ledger counts and the rule set items open under;
    those on the timelines; doubles (more than one milestone event for one rule of one item); and
    the lag from the crossing vote to the timeline entry and, for a department answer, the case."""
    async with aiohttp.ClientSession() as s:
        rule_set = await api_call(s, "GET", f"{gw}/api/agencies/seoul/ruleset")
        rules = [r for r in rule_set["rules"] if r["metric"] == "supports" and r.get("threshold")]
        lowest = min((int(r["threshold"]) for r in rules), default=0)
        crossed = [i for i in items if lowest and len(ledger.get(i, [])) >= lowest]
        expected = {(i, r["id"]) for i in crossed for r in rules if len(ledger[i]) >= int(r["threshold"])}
        timelines = [body for _, body in await _gather(s, [f"{gw}/api/proposals/{i}/timeline" for i in crossed])]
    on_timeline: dict[tuple[str, str], datetime] = {}
    for i, tl in zip(crossed, timelines, strict=True):
        for e in tl["items"]:
            if e["kind"] == MILESTONE:
                on_timeline[(i, e["data"]["rule_id"])] = datetime.fromisoformat(str(e["at"]))
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    events: Counter[tuple[str, str]] = Counter()
    cursor = client["proposal_svc"]["outbox"].find({"envelope.type": MILESTONE}, {"envelope.data": 1})
    async for d in cursor:
        data = d["envelope"]["data"]
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
        "milestone_lag_p50_ms": _pct(lags, 50),
        "milestone_lag_p99_ms": _pct(lags, 99),
        "milestone_lag_max_ms": round(max(lags), 1) if lags else 0.0,
    }


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench spread")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--zipf", type=float, default=1.0, help="s of the 1/k^s popularity")
    parser.add_argument("--samplers", type=int, default=8, help="concurrent count-lag samplers")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gongnon-bench-spread-"))
    secret = secrets.token_hex(16)
    infra = LocalInfra(work)
    cluster: Cluster | None = None
    try:
        print("• starting Kafka, SecantusDB, Redis and the five services …", flush=True)
        endpoints = infra.start()
        cluster = Cluster(endpoints, work, extra_env={"GATEWAY_SECRET": secret, "LOG_LEVEL": "WARNING"})
        cluster.start()
        gw = cluster.gateway_url
        print(f"• filing {args.items:,} proposals through the API …", flush=True)
        t0 = time.monotonic()
        items, _ = asyncio.run(_create_items(gw, args.items))
        print(f"  filed, every ballot defined ({time.monotonic() - t0:.0f}s)", flush=True)
        (work / "items.txt").write_text("\n".join(items) + "\n")
        cumulative = list(accumulate(1 / (k**args.zipf) for k in range(1, len(items) + 1)))
        n_tokens = max(100_000, (args.seconds + args.warmup) * 6_000)
        print(f"• minting {n_tokens:,} signed sessions of distinct verified citizens …", flush=True)
        mint_tokens(secret, n_tokens, work / "tokens.txt")
        mint_tokens(secret, 50_000, work / "sampler-tokens.txt", prefix="sampler")
        wrk_env = {"WRK_TOKENS": str(work / "tokens.txt"), "WRK_ITEMS": str(work / "items.txt")}
        wrk_env["WRK_ZIPF_S"] = str(args.zipf)
        script = {"script": "spread.lua", "script_args": ["2"]}

        print(f"• warm-up: {args.warmup}s of spread supports …", flush=True)
        warm = run_wrk(gw, args.warmup, args.connections, env=wrk_env, **script)
        time.sleep(3)
        before = server_accepted(cluster.url("voting-svc"))
        sampler = Sampler(gw, items, cumulative, (work / "sampler-tokens.txt").read_text().split(), args.samplers)
        prof_s = max(5, min(20, args.seconds // 2))
        sampled = {n: cluster.procs[n].pid for n in ("proposal-svc", "voting-svc", "gateway", "review-svc")}
        sampled["mongo"] = infra.procs["mongo"].pid
        spies = {name: profile.start(pid, prof_s, work / f"profile-{name}.txt") for name, pid in sampled.items()}
        procs = {**{n: pr.pid for n, pr in infra.procs.items()}, **{n: pr.pid for n, pr in cluster.procs.items()}}
        cpu_before = {n: cpu_seconds(pid) for n, pid in procs.items()}
        print(f"• measured: {args.seconds}s of supports over {len(items):,} items (Zipf s={args.zipf}) …", flush=True)
        sampler.start()
        ours: WrkResult = run_wrk(
            gw,
            args.seconds,
            args.connections,
            env={**wrk_env, "WRK_OFFSET": str(sum(warm.statuses.values()) + 10_000)},
            **script,
        )
        cpu_used = {n: round(cpu_seconds(pid) - cpu_before[n], 1) for n, pid in procs.items()}
        sampler.stop()
        print("• settling: the ledger, then every item's public count …", flush=True)
        t1 = time.monotonic()
        asyncio.run(wait_until_consumed(endpoints.kafka_bootstrap, ledger_group("voting-svc"), Topic.VOTES.value, 600))
        ledger_caught_up_s = time.monotonic() - t1
        accepted_total = server_accepted(cluster.url("voting-svc"))
        ledger = asyncio.run(_ledger(endpoints.mongodb_uri))
        counts, public_settled_s = asyncio.run(_settle_counts(endpoints.mongodb_uri, items, ledger))
        mismatched = [i for i in items if not (len(ledger.get(i, [])) == counts[i]["tally"] == counts[i]["public"])]
        ledger_total = sum(len(v) for v in ledger.values())
        milestones = asyncio.run(_milestones(gw, endpoints.mongodb_uri, items, ledger))

        accepted = ours.statuses.get("201", 0)
        votes_per_s = accepted / ours.duration_s
        hot = sorted(items, key=lambda i: -len(ledger.get(i, [])))
        figures: dict[str, Any] = {
            "votes_per_s": round(votes_per_s, 1),
            "p50_ms": round(ours.p50_ms, 2),
            "p99_ms": round(ours.p99_ms, 2),
            "count_lag_p50_ms": _pct(sampler.lags_ms, 50),
            "count_lag_p99_ms": _pct(sampler.lags_ms, 99),
            "count_lag_samples": len(sampler.lags_ms),
            "milestone_lag_p99_ms": milestones.pop("milestone_lag_p99_ms"),
            "milestones_expected": milestones.pop("milestones_expected"),
            "milestones_fired": milestones.pop("milestones_fired"),
            "milestones_doubled": milestones.pop("milestones_doubled"),
            "ledger_caught_up_s": round(ledger_caught_up_s, 1),
            # Every accepted vote in the ledger, and per item ledger == tally == public count.
            "counts_equal": accepted_total == ledger_total and not mismatched,
            **milestones,
            "items_mismatched": len(mismatched),
            "public_counts_settled_s": round(public_settled_s, 1),
            "accepted": accepted_total,
            "accepted_in_measured_run": accepted_total - before,
            "ledger": ledger_total,
            "errors": ours.socket_errors + sum(n for s, n in ours.statuses.items() if s != "201"),
            "statuses": ours.statuses,
            "items": len(items),
            "items_supported": sum(1 for i in items if ledger.get(i)),
            "hottest_items": [len(ledger.get(i, [])) for i in hot[:5]],
            "zipf_s": args.zipf,
            "connections": args.connections,
            "seconds": args.seconds,
            "cpus": os.cpu_count(),
            "cpu_seconds_during_run": dict(sorted(cpu_used.items(), key=lambda kv: -kv[1])),
        }
        for spy in spies.values():
            if spy:
                spy.wait(timeout=60)
        profiles = {name: profile.summarize(work / f"profile-{name}.txt") for name in spies}
        path = write_results("spread", figures)
        (path.parent / "spread-profile.txt").write_text(
            "".join(
                f"{name} ({prof_s}s of py-spy samples during the measured run)\n{t}\n" for name, t in profiles.items()
            )
        )
        print("\nspread benchmark (all infrastructure local, one run)")
        for k, v in figures.items():
            print(f"  {k:24} {v}")
        for name, text in profiles.items():
            print(f"\nwhere {name}'s time goes (py-spy, {prof_s}s sampled mid-run):\n{text}")
        print(f"written to {path} and {path.parent / 'spread-profile.txt'}")
        return 0 if figures["counts_equal"] and figures["milestones_doubled"] == 0 else 1
    finally:
        if cluster:
            cluster.stop()
        infra.stop()
