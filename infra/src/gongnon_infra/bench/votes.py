"""`./dev bench votes`: supports through the gateway under wrk, against the floor (the same stack
answering a trivial endpoint) and the naive design (one MongoDB $inc per vote), in one run, and
whether accepted == ledger == tally exactly."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts import Topic
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.bench import profile, write_results
from gongnon_infra.bench.database_top import top_diff, top_of
from gongnon_infra.bench.wrk import WrkResult, run_wrk
from gongnon_infra.cluster import Cluster
from gongnon_infra.infra import LocalInfra
from gongnon_infra.procs import Proc, free_port, port_open, wait_until
from voting_svc.adapters.kafka_offsets import wait_until_consumed
from voting_svc.entrypoints.ledger_writer import ledger_group

TITLE = "브렉시트 청원처럼 몰리는 공감을 시험합니다"
PROPOSAL: dict[str, Any] = {
    "title": "브렉시트 청원처럼 몰리는 공감을 시험합니다",
    "body": "짧은 시간에 수많은 시민이 한 제안에 공감할 때도 한 표도 잃지 않는지 확인하는 벤치마크용 제안입니다.",
    "category": "planning",
    "district": None,
    "hashtags": ["벤치마크"],
}


def mint_tokens(secret: str, count: int, path: Path, prefix: str = "bench") -> None:
    """Signed sessions of `count` distinct verified citizens (the gateway's own token format);
    another prefix, other citizens."""
    signer = TokenSigner(secret.encode(), timedelta(hours=3), SystemClock())
    with path.open("w") as f:
        for i in range(count):
            actor = Actor(
                account_id=f"{prefix}-{i}", role=ActorRole.CITIZEN, citizen_key=f"{prefix}-ci-{i:08d}", display_name=""
            )
            f.write(signer.issue(actor) + "\n")


async def api_call(
    session: aiohttp.ClientSession, method: str, url: str, token: str | None = None, json: Any = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, json=json, headers=headers) as resp:
        body = await resp.json(content_type=None)
        if resp.status >= 300:
            raise RuntimeError(f"{method} {url} → {resp.status} {body}")
        return body


async def verified_citizen(s: aiohttp.ClientSession, gw: str) -> str:
    """A new account, verified (본인인증), signed in again: its session token."""
    email = f"bench-{secrets.token_hex(4)}@bench.local"
    await api_call(
        s,
        "POST",
        f"{gw}/api/auth/register",
        json={"email": email, "password": "bench-password", "display_name": "벤치"},
    )
    login = await api_call(s, "POST", f"{gw}/api/auth/login", json={"email": email, "password": "bench-password"})
    token = login["token"]
    await api_call(
        s,
        "POST",
        f"{gw}/api/auth/verify",
        token,
        {"name": "벤치", "birth_date": "1990-01-01", "phone": "010-0000-0000"},
    )
    again = await api_call(s, "POST", f"{gw}/api/auth/login", json={"email": email, "password": "bench-password"})
    return str(again["token"])


async def _prepare(gw: str) -> tuple[str, str]:
    async with aiohttp.ClientSession() as s:
        token = await verified_citizen(s, gw)
        ids = []
        for title in ("워밍업: " + TITLE, TITLE):
            ids.append((await api_call(s, "POST", f"{gw}/api/proposals", token, {**PROPOSAL, "title": title}))["id"])
        for pid in ids:
            for _ in range(300):
                async with s.get(f"{gw}/api/proposals/{pid}/tally") as r:
                    if r.status == 200:
                        break
                await asyncio.sleep(0.05)
        return ids[0], ids[1]


async def _settle(kafka: str, mongodb_uri: str, gw: str, item: str) -> tuple[int, int, float]:
    """Wait until the ledger writer has committed everything on the votes topic (Kafka offsets:
    polling a count would scan the ledger over and over on SecantusDB), then read ledger and tally.
    Also returns how long the write-behind took to catch up after the load stopped."""
    t0 = time.monotonic()
    await wait_until_consumed(kafka, ledger_group("voting-svc"), Topic.VOTES.value, timeout_s=600)
    caught_up = time.monotonic() - t0
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    n = await client["voting_svc"]["ledger"].count_documents({"item_id": item})
    await client.close()
    await asyncio.sleep(2.0)  # the tally view is cached for a second
    async with aiohttp.ClientSession() as s:
        tally = await api_call(s, "GET", f"{gw}/api/proposals/{item}/tally")
    return n, int(tally["total"]), caught_up


def _accepted(result: WrkResult) -> int:
    return result.statuses.get("201", 0)


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process and its children so far (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def server_accepted(voting_url: str) -> int:
    """Votes voting-svc acknowledged (its Prometheus counter): unlike wrk's tally, this includes
    requests still in flight when wrk stopped, whose 201 the load generator never read."""
    import re
    import urllib.request

    with urllib.request.urlopen(f"{voting_url}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    m = re.search(r'^gongnon_votes_total\{kind="support",outcome="accepted"\} ([0-9.e+]+)$', text, re.M)
    return int(float(m.group(1))) if m else 0


# Longer than voting-svc holds a vote while the ledger is behind (VOTING_PACE_MAX_WAIT_S, 2 s).
QUIET_S = 3.0


def wait_until_accepting_stopped(
    voting_url: str, quiet_s: float = QUIET_S, timeout_s: float = 60.0
) -> tuple[int, float | None]:
    """Once the load stopped, wait until voting-svc's count of accepted votes has not moved for
    `quiet_s`; returns it and when (time.monotonic) it last moved, None if it did not move while
    watched. Requests still in flight (held
    by the pacing while the ledger is behind) are accepted, and sent to Kafka, after the load
    generator stopped: a ledger read before they land finds votes missing that were only late."""
    last, since, t0 = server_accepted(voting_url), time.monotonic(), time.monotonic()
    moved: float | None = None
    while time.monotonic() - since < quiet_s and time.monotonic() - t0 < timeout_s:
        time.sleep(0.25)
        now = server_accepted(voting_url)
        if now != last:
            last, since, moved = now, time.monotonic(), time.monotonic()
    return last, moved


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench votes")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--baseline-seconds", type=int, default=20, help="floor and naive runs")
    parser.add_argument("--connections", type=int, default=64, help="the headline run's")
    parser.add_argument(
        "--also-connections",
        default="32",
        help="comma-separated: further runs at these concurrencies (same length), reported under by_connections",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gongnon-bench-votes-"))
    secret = secrets.token_hex(16)
    infra = LocalInfra(work)
    cluster: Cluster | None = None
    naive: Proc | None = None
    try:
        print("• starting Kafka, SecantusDB, Redis and the five services …", flush=True)
        endpoints = infra.start()
        cluster = Cluster(endpoints, work, extra_env={"GATEWAY_SECRET": secret, "LOG_LEVEL": "WARNING"})
        cluster.start()
        gw = cluster.gateway_url
        warm_item, item = asyncio.run(_prepare(gw))
        also = [int(x) for x in args.also_connections.split(",") if x.strip()]
        n_tokens = max(50_000, (args.seconds * (1 + len(also)) + args.warmup) * 5_000)
        tokens = work / "tokens.txt"
        print(f"• minting {n_tokens:,} signed sessions of distinct verified citizens …", flush=True)
        mint_tokens(secret, n_tokens, tokens)
        wrk_env = {"WRK_TOKENS": str(tokens)}
        c = args.connections

        print(f"• floor: the gateway's trivial endpoint for {args.baseline_seconds}s …", flush=True)
        floor = run_wrk(f"{gw}/health", args.baseline_seconds, c)
        # Not a target, a diagnosis: the two processes a vote crosses, answering a read (an
        # item's tally: gateway → voting-svc → memory and Redis), show what the hop itself costs.
        print(
            f"• two-hop read: an item's tally through gateway and voting-svc for {args.baseline_seconds}s …", flush=True
        )
        chain = run_wrk(f"{gw}/api/proposals/{warm_item}/tally", args.baseline_seconds, c)
        if chain.non_2xx or chain.socket_errors:
            raise SystemExit(f"the two-hop read failed: {chain.non_2xx} non-2xx, {chain.socket_errors} socket errors")
        print(f"• warm-up: {args.warmup}s of supports on another item …", flush=True)
        run_wrk(
            gw,
            args.warmup,
            c,
            script="votes.lua",
            script_args=[f"/api/proposals/{warm_item}/support", "2"],
            env=wrk_env,
        )
        print(f"• measured: {args.seconds}s of supports, each from a different verified citizen …", flush=True)
        time.sleep(3)  # let the warm-up's in-flight votes finish before reading the counter
        before = server_accepted(cluster.url("voting-svc"))
        prof_s = max(5, min(20, args.seconds // 2))
        sampled = {"gateway": cluster.procs["gateway"].pid, "voting-svc": cluster.procs["voting-svc"].pid}
        sampled["mongo"] = infra.procs["mongo"].pid  # SecantusDB is Python too: where the write-behind goes
        spies = {name: profile.start(pid, prof_s, work / f"profile-{name}.txt") for name, pid in sampled.items()}
        procs = {**{n: pr.pid for n, pr in infra.procs.items()}, **{n: pr.pid for n, pr in cluster.procs.items()}}
        cpu_before = {n: cpu_seconds(pid) for n, pid in procs.items()}
        top_before = asyncio.run(top_of(endpoints.mongodb_uri))
        ours = run_wrk(
            gw, args.seconds, c, script="votes.lua", script_args=[f"/api/proposals/{item}/support", "2"], env=wrk_env
        )
        cpu_used = {n: round(cpu_seconds(pid) - cpu_before[n], 1) for n, pid in procs.items()}
        top_measured = asyncio.run(top_of(endpoints.mongodb_uri))
        seen_by_client = _accepted(ours)
        # A closed-loop generator at saturation measures mostly its own queue (latency ≈
        # connections ÷ throughput): the same load at other concurrencies shows the trade-off.
        levels: dict[int, WrkResult] = {c: ours}
        # Tokens the previous run took, plus a margin for its requests still in flight at the end.
        used = sum(ours.statuses.values()) + 10_000
        for level in also:
            print(f"• measured: {args.seconds}s of supports at {level} connections …", flush=True)
            levels[level] = run_wrk(
                gw,
                args.seconds,
                level,
                script="votes.lua",
                script_args=[f"/api/proposals/{item}/support", "2"],
                env={**wrk_env, "WRK_OFFSET": str(used)},
            )
            used += sum(levels[level].statuses.values()) + 10_000
        accepted = wait_until_accepting_stopped(cluster.url("voting-svc"))[0] - before
        ledger, tally, caught_up_s = asyncio.run(_settle(endpoints.kafka_bootstrap, endpoints.mongodb_uri, gw, item))
        # The naive design has no other services: stop ours, so their catching up (follows,
        # notifications) does not slow the database it is measured on.
        cluster.stop()
        cluster = None

        print(f"• naive design (one MongoDB $inc per vote) for {args.baseline_seconds}s …", flush=True)
        port = free_port()
        naive = Proc(
            "naive",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "gongnon_infra.bench.naive_app:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            work / "logs/naive.log",
            env={"GATEWAY_SECRET": secret, "MONGODB_URI": endpoints.mongodb_uri},
        ).start()
        wait_until(lambda: port_open(port), 30, "naive app", naive)
        naive_url = f"http://127.0.0.1:{port}"
        base = run_wrk(
            naive_url,
            args.baseline_seconds,
            c,
            script="votes.lua",
            script_args=["/items/naive-item/support", "2"],
            env=wrk_env,
        )

        votes_per_s = seen_by_client / ours.duration_s
        naive_per_s = _accepted(base) / base.duration_s
        figures = {
            "votes_per_s": round(votes_per_s, 1),
            "p50_ms": round(ours.p50_ms, 2),
            "p99_ms": round(ours.p99_ms, 2),
            "errors": ours.socket_errors + sum(n for s, n in ours.statuses.items() if s != "201"),
            "floor_per_s": round(floor.requests_per_s, 1),
            "ratio_to_floor": round(votes_per_s / floor.requests_per_s, 3) if floor.requests_per_s else 0.0,
            "two_hop_read_per_s": round(chain.requests_per_s, 1),
            "ratio_to_two_hop_read": round(votes_per_s / chain.requests_per_s, 3) if chain.requests_per_s else 0.0,
            "naive_per_s": round(naive_per_s, 1),
            "gain_over_naive": round(votes_per_s / naive_per_s, 2) if naive_per_s else None,
            "counts_equal": accepted == ledger == tally,
            "accepted": accepted,
            "accepted_seen_by_client": seen_by_client,
            "ledger": ledger,
            "tally": tally,
            # The ledger is written behind: how long after the last run it held every vote.
            "ledger_caught_up_s": round(caught_up_s, 1),
            "statuses": ours.statuses,
            "naive_p99_ms": round(base.p99_ms, 2),
            "connections": c,
            "seconds": args.seconds,
            "cpus": os.cpu_count(),
            "cpu_seconds_during_run": dict(sorted(cpu_used.items(), key=lambda kv: -kv[1])),
            "database_during_run": top_diff(top_before, top_measured),  # per collection
            "by_connections": {
                str(level): {
                    "votes_per_s": round(_accepted(r) / r.duration_s, 1),
                    "p50_ms": round(r.p50_ms, 2),
                    "p99_ms": round(r.p99_ms, 2),
                    "errors": r.socket_errors + sum(n for s, n in r.statuses.items() if s != "201"),
                }
                for level, r in levels.items()
            },
        }
        for spy in spies.values():
            if spy:
                spy.wait(timeout=60)
        profiles = {name: profile.summarize(work / f"profile-{name}.txt") for name in spies}
        path = write_results("votes", figures)
        (path.parent / "votes-profile.txt").write_text(
            "".join(
                f"{name} ({prof_s}s of py-spy samples during the measured run)\n{text}\n"
                for name, text in profiles.items()
            )
        )
        print("\nvotes benchmark (all infrastructure local, one run)")
        for k, v in figures.items():
            print(f"  {k:16} {v}")
        for name, text in profiles.items():
            print(f"\nwhere {name}'s time goes (py-spy, {prof_s}s sampled mid-run):\n{text}")
        print(f"written to {path} and {path.parent / 'votes-profile.txt'}")
        return 0 if figures["counts_equal"] else 1
    finally:
        if naive:
            naive.stop()
        if cluster:
            cluster.stop()
        infra.stop()
