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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_contracts import Topic
from gongnon_infra.bench import profile, write_results
from gongnon_infra.bench.accounting import create_items as _create_items
from gongnon_infra.bench.accounting import milestones as _milestones
from gongnon_infra.bench.accounting import pct as _pct
from gongnon_infra.bench.accounting import settle_counts as _settle_counts
from gongnon_infra.bench.database_top import top_diff, top_of
from gongnon_infra.bench.votes import cpu_seconds, mint_tokens, server_accepted, wait_until_accepting_stopped
from gongnon_infra.bench.wrk import WrkResult, run_wrk
from gongnon_infra.cluster import Cluster
from gongnon_infra.infra import LocalInfra
from voting_svc.adapters.kafka_offsets import wait_until_consumed
from voting_svc.entrypoints.ledger_writer import ledger_group

Doc = dict[str, Any]
LAG_CAP_S = 60.0  # a sample not settled by then counts as this (and shows as a failure)
# How often a sampler reads the item while it waits: the lags' resolution. Finer polling by eight
# samplers was hundreds of reads a second through proposal-svc, load the bench added itself.
POLL_S = 0.1


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
                        await asyncio.sleep(POLL_S)
                    await asyncio.sleep(0.05)

            await asyncio.gather(*(worker() for _ in range(self.workers)))


async def _ledger(mongodb_uri: str) -> dict[str, list[datetime]]:
    """Every ledger vote's cast time, per item (one pass; the counts are the lists' lengths)."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    votes: dict[str, list[datetime]] = defaultdict(list)
    async for d in client["voting_svc"]["ledger"].find({}, {"item_id": 1, "cast_at": 1, "_id": 0}, batch_size=5000):
        votes[d["item_id"]].append(d["cast_at"])
    await client.close()
    return votes


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
        top_before = asyncio.run(top_of(endpoints.mongodb_uri))
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
        top_measured = asyncio.run(top_of(endpoints.mongodb_uri))
        sampler.stop()
        print("• settling: the ledger, then every item's public count …", flush=True)
        t1 = time.monotonic()
        asyncio.run(wait_until_consumed(endpoints.kafka_bootstrap, ledger_group("voting-svc"), Topic.VOTES.value, 600))
        ledger_caught_up_s = time.monotonic() - t1
        # Votes the pacing held when the load stopped are accepted (and sent) up to 2 s later:
        # the exactness checks wait for them too.
        accepted_total, last_accepted = wait_until_accepting_stopped(cluster.url("voting-svc"))
        asyncio.run(wait_until_consumed(endpoints.kafka_bootstrap, ledger_group("voting-svc"), Topic.VOTES.value, 600))
        top_caught_up = asyncio.run(top_of(endpoints.mongodb_uri))
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
            "accepted_after_load_s": round(last_accepted - t1, 1) if last_accepted is not None else 0.0,
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
            # Where the database's time went, per collection: during the load, then until the
            # ledger had caught up.
            "database_during_run": top_diff(top_before, top_measured),
            "database_until_caught_up": top_diff(top_measured, top_caught_up),
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
