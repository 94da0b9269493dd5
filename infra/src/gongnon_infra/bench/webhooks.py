"""`./dev bench webhooks`: public events from real platform activity (proposals submitted and
supported through the gateway, which set off milestones and review cases) delivered to local
receivers for 10 subscriptions, each receiver a process of its own.

Phases, each `--seconds` of load and then until every live lane has delivered everything:
1. all receivers up: deliveries/s, latency (the public event's commit, `recorded_at`, to the
   receiver's arrival time; same machine), lost (an event of the phase a subscription never
   accepted) and duplicated (accepted more than once, by webhook-id);
2. one receiver killed (connection refused): the same figures over the nine others;
3. one more receiver frozen (SIGSTOP: connections accepted, never answered, each request waits
   for its 5 s timeout): the same over the eight others.
After the three phases a replay from phase 1's first event to the head, to every live
subscription, measures the backlog rate (how fast lanes deliver when events are waiting, not
arriving); it comes last because its burst of log writes would otherwise weigh on the next phase.

The platform turns this activity into 130-160 public events a second on 2 cores (one
`item.supports_counted` per item per voting-svc ledger batch, plus submissions, milestones, cases);
the live rate is that times the live receivers, and the replay shows what the lanes themselves
deliver. SecantusDB is the busiest process: it runs one transactional statement at a time, so a
long one anywhere (a big `$in`, a bulk write) delays every service's transactions.

Usage: ./dev bench webhooks [--seconds 15] [--items 70] [--supports-per-s 240] [--proposals-per-s 1]"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.bench import write_results
from gongnon_infra.bench.database_top import top, top_diff
from gongnon_infra.bench.votes import _cpu_seconds
from gongnon_infra.cluster import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, Cluster
from gongnon_infra.infra import LocalInfra
from gongnon_infra.procs import Proc, free_port, port_open, wait_until

SUBSCRIPTIONS = 10
CATEGORIES = ("welfare", "transport", "environment", "safety", "housing", "culture", "education", "economy")
PLACES = ("버스 정류장", "공원 산책로", "동네 도서관", "자전거 도로", "전통시장", "학교 앞 통학로", "공영 주차장")
TARGETS = {"deliveries_per_s": 1000.0, "p99_ms": 1000.0}


def _mint(secret: str, start: int, count: int) -> list[str]:
    signer = TokenSigner(secret.encode(), timedelta(hours=3), SystemClock())
    return [
        signer.issue(
            Actor(
                account_id=f"wh-bench-{i}",
                role=ActorRole.CITIZEN,
                citizen_key=f"wh-bench-ci-{i:08d}",
                display_name=f"벤치시민{i}",
            )
        )
        for i in range(start, start + count)
    ]


def _proposal(n: int) -> dict[str, Any]:
    place = PLACES[n % len(PLACES)]
    return {
        "title": f"{place} 개선 제안 {n}번",
        "body": f"{place}을 더 안전하고 편리하게 바꿔 주세요. 웹훅 벤치마크가 만드는 {n}번째 제안입니다.",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "district": None,
        "hashtags": ["벤치마크"],
    }


@dataclass
class Load:
    """The platform activity: proposals, and supports spread over the open ones."""

    gw: str
    session: aiohttp.ClientSession
    tokens: list[str]
    items: list[str] = field(default_factory=list)
    next_token: int = 0
    proposals: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    async def _post(self, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.post(f"{self.gw}{path}", json=body, headers=headers) as r:
            data = await r.json(content_type=None)
            self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
            return r.status, data

    def _token(self) -> str:
        token = self.tokens[self.next_token]
        self.next_token += 1
        return token

    async def propose(self) -> None:
        n = self.proposals
        self.proposals += 1
        status, data = await self._post("/api/proposals", self._token(), _proposal(n))
        if status != 201:  # counted in `statuses`; a citizen would try again later
            return
        pid = data["id"]
        for _ in range(200):  # voting-svc opens its ballot from proposal.submitted
            async with self.session.get(f"{self.gw}/api/proposals/{pid}/tally") as r:
                if r.status == 200:
                    break
            await asyncio.sleep(0.05)
        self.items.append(pid)

    async def support(self, n: int) -> None:
        await self._post(f"/api/proposals/{self.items[n % len(self.items)]}/support", self._token())

    async def run(self, seconds: float, supports_per_s: float, proposals_per_s: float) -> float:
        """Drive the load at the given rates for `seconds`; returns the supports sent per second."""
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(128)
        tasks: set[asyncio.Task[None]] = set()

        async def bounded(coro: Any) -> None:
            async with slots:
                await coro

        def spawn(coro: Any) -> None:
            t = loop.create_task(bounded(coro))
            tasks.add(t)
            t.add_done_callback(tasks.discard)

        start = loop.time()
        sent = proposed = 0
        while (elapsed := loop.time() - start) < seconds:
            while sent < int(elapsed * supports_per_s):
                spawn(self.support(sent))
                sent += 1
            while proposed < int(elapsed * proposals_per_s):
                spawn(self.propose())
                proposed += 1
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        return sent / seconds


@dataclass
class Receivers:
    procs: list[Proc]
    ports: list[int]
    frozen: set[int] = field(default_factory=set)

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}/hooks/r{i}"

    async def received(self, session: aiohttp.ClientSession, i: int) -> list[list[Any]]:
        async with session.get(f"http://127.0.0.1:{self.ports[i]}/_received", params={"name": f"r{i}"}) as r:
            data = await r.json()
        return list(data.get(f"r{i}", {}).get("deliveries", []))

    def kill(self, i: int) -> None:
        self.procs[i].kill()

    def freeze(self, i: int) -> None:
        os.killpg(self.procs[i].popen.pid, signal.SIGSTOP)
        self.frozen.add(i)

    def stop(self) -> None:
        for i in self.frozen:
            os.killpg(self.procs[i].popen.pid, signal.SIGCONT)
        for p in self.procs:
            p.stop()


def _start_receivers(work: Path, n: int) -> Receivers:
    ports = [free_port() for _ in range(n)]
    procs = [
        Proc(
            f"receiver-{i}",
            [sys.executable, "-m", "gongnon_infra.webhook_receiver", "--port", str(port), "--no-bodies"],
            work / "logs" / f"receiver-{i}.log",
        ).start()
        for i, port in enumerate(ports)
    ]
    for i, port in enumerate(ports):
        wait_until(lambda p=port: port_open(p), 30, f"receiver {i}", procs[i])
    return Receivers(procs, ports)


async def _api(
    session: aiohttp.ClientSession, method: str, url: str, token: str | None = None, json: Any = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for attempt in (1, 2):
        try:
            async with session.request(method, url, json=json, headers=headers) as r:
                body = await r.json(content_type=None)
                if r.status >= 300:
                    raise RuntimeError(f"{method} {url} → {r.status} {body}")
                return body
        except aiohttp.ServerDisconnectedError:
            # A pooled connection the server closed for idling (these calls are idempotent).
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _login(session: aiohttp.ClientSession, gw: str, email: str, password: str) -> str:
    token: str = (await _api(session, "POST", f"{gw}/api/auth/login", json={"email": email, "password": password}))[
        "token"
    ]
    return token


async def _head(db: Any) -> int:
    doc = await db.public_seq.find_one({"_id": "public"})
    return int((doc or {}).get("value", 0))


async def _settle(db: Any, quiet_s: float = 3.0, timeout_s: float = 120.0) -> int:
    """The public head once no new event came for `quiet_s` (the projection caught up)."""
    last, since = await _head(db), time.monotonic()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        head = await _head(db)
        if head != last:
            last, since = head, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return head
    return last


async def _drained(
    session: aiohttp.ClientSession, gw: str, token: str, subs: list[str], live: list[int], head: int, timeout_s: float
) -> float:
    """Wait until each live subscription's lane is past `head`; returns the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        cursors = [
            (await _api(session, "GET", f"{gw}/api/agencies/seoul/subscriptions/{subs[i]}", token))["cursor"]
            for i in live
        ]
        if min(cursors) >= head:
            return time.monotonic() - t0
        await asyncio.sleep(0.25)
    raise TimeoutError(f"lanes did not deliver up to seq {head} within {timeout_s:.0f}s")


METERS = (
    "gongnon_public_projection_seconds_count",
    "gongnon_public_projection_seconds_sum",
    "gongnon_public_events_recorded_total",
    "gongnon_webhook_bookkeeping_seconds_count",
    "gongnon_webhook_bookkeeping_seconds_sum",
    "gongnon_public_commit_tail_seconds_count",
    "gongnon_public_commit_tail_seconds_sum",
)


async def _meters(session: aiohttp.ClientSession, url: str) -> dict[str, float]:
    """notify-svc's own counters of the projector and the lanes' bookkeeping (Prometheus text)."""
    async with session.get(f"{url}/metrics") as r:
        text = await r.text()
    out = dict.fromkeys(METERS, 0.0)
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in out:
            out[name] = float(value)
    return out


def _inside(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    d = {k: after[k] - before[k] for k in METERS}
    batches = d["gongnon_public_projection_seconds_count"]
    flushes = d["gongnon_webhook_bookkeeping_seconds_count"]
    return {
        "projector_batches": int(batches),
        "projector_ms_per_batch": round(1000 * d["gongnon_public_projection_seconds_sum"] / batches, 1)
        if batches
        else 0,
        "events_per_batch": round(d["gongnon_public_events_recorded_total"] / batches, 1) if batches else 0,
        # recorded_at is stamped inside the projector's transaction: this much of the latency is the commit.
        "commit_tail_ms": round(
            1000 * d["gongnon_public_commit_tail_seconds_sum"] / d["gongnon_public_commit_tail_seconds_count"], 1
        )
        if d["gongnon_public_commit_tail_seconds_count"]
        else 0,
        "bookkeeping_flushes": int(flushes),
        "bookkeeping_ms_per_flush": round(1000 * d["gongnon_webhook_bookkeeping_seconds_sum"] / flushes, 1)
        if flushes
        else 0,
    }


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class PhaseFigures:
    deliveries: int
    deliveries_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    duplicated: int
    events: int

    def view(self) -> dict[str, Any]:
        return {
            "deliveries": self.deliveries,
            "deliveries_per_s": round(self.deliveries_per_s, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "lost": self.lost,
            "duplicated": self.duplicated,
            "public_events": self.events,
        }


def _figures(expected: set[str], got: dict[int, list[list[Any]]]) -> PhaseFigures:
    """Per live receiver: what it accepted of `expected` (the phase's public event ids)."""
    latencies: list[float] = []
    arrivals: list[float] = []
    lost = duplicated = deliveries = 0
    for rows in got.values():
        seen: dict[str, int] = {}
        for event_id, arrived, recorded_at, status in rows:
            if status != 204 or event_id not in expected:
                continue
            seen[event_id] = seen.get(event_id, 0) + 1
            if seen[event_id] == 1:
                deliveries += 1
                arrivals.append(arrived)
                if recorded_at is not None:
                    latencies.append((arrived - recorded_at) * 1000)
        lost += len(expected - seen.keys())
        duplicated += sum(n - 1 for n in seen.values())
    span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else 0.0
    return PhaseFigures(
        deliveries=deliveries,
        deliveries_per_s=deliveries / span if span else 0.0,
        p50_ms=_pct(latencies, 50),
        p99_ms=_pct(latencies, 99),
        max_ms=max(latencies, default=0.0),
        lost=lost,
        duplicated=duplicated,
        events=len(expected),
    )


async def _ids(db: Any, after: int, upto: int) -> set[str]:
    out: set[str] = set()
    lo = after
    while lo < upto:  # bounded ranges
        hi = min(lo + 5_000, upto)
        out |= {d["_id"] async for d in db.public_events.find({"seq": {"$gt": lo, "$lte": hi}}, {"_id": 1})}
        lo = hi
    return out


async def _main(
    args: argparse.Namespace,
    cluster: Cluster,
    infra_procs: dict[str, Proc],
    mongodb_uri: str,
    secret: str,
    rx: Receivers,
) -> dict[str, Any]:
    gw = cluster.gateway_url
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    db = client["notify_svc"]
    per_phase = int(args.seconds * (args.supports_per_s + args.proposals_per_s) * 1.2) + args.items + 1000
    tokens = _mint(secret, 0, per_phase * 3)
    conn = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=60)) as s:
        root = await _login(s, gw, DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD)
        email = f"wh-bench-{secrets.token_hex(3)}@bench.local"
        await _api(
            s,
            "POST",
            f"{gw}/api/admin/accounts",
            root,
            {"email": email, "password": "bench-password-1", "display_name": "기관 관리자", "role": "agency_admin"},
        )
        admin = await _login(s, gw, email, "bench-password-1")
        subs = []
        for i in range(SUBSCRIPTIONS):
            body = {"url": rx.url(i), "scope": "all", "description": f"bench receiver {i}"}
            subs.append((await _api(s, "POST", f"{gw}/api/agencies/seoul/subscriptions", admin, body))["id"])

        load = Load(gw, s, tokens)
        print(f"• {args.items} proposals to support …", flush=True)
        for _ in range(0, args.items, 4):  # a few at a time: each is embedded for 유사제안 as it lands
            await asyncio.gather(*(load.propose() for _ in range(4)))
        await _settle(db)
        await _drained(s, gw, admin, subs, list(range(SUBSCRIPTIONS)), await _head(db), 120)

        procs = {n: p.popen.pid for n, p in {**infra_procs, **cluster.procs}.items()}
        procs.update({f"receiver-{i}": p.popen.pid for i, p in enumerate(rx.procs)})
        phases: dict[str, Any] = {}
        live = list(range(SUBSCRIPTIONS))
        marks = {i: len(await rx.received(s, i)) for i in live}
        plan = [("all_up", None), ("one_dead", "kill"), ("one_dead_one_hung", "freeze")]
        for name, act in plan:
            if act == "kill":
                rx.kill(live.pop())
            elif act == "freeze":
                rx.freeze(live.pop())
            start = await _head(db)
            cpu0 = {n: _cpu_seconds(pid) for n, pid in procs.items()}
            meters0 = await _meters(s, cluster.url("notify-svc"))
            top0 = await top(client)
            print(
                f"• phase {name}: {args.seconds}s of supports ({args.supports_per_s}/s) and proposals "
                f"({args.proposals_per_s}/s), {len(live)} live receivers …",
                flush=True,
            )
            statuses0 = dict(load.statuses)
            rate = await load.run(args.seconds, args.supports_per_s, args.proposals_per_s)
            responses = {str(k): n - statuses0.get(k, 0) for k, n in sorted(load.statuses.items())}
            end = await _settle(db)
            cpu = {n: round(_cpu_seconds(pid) - cpu0[n], 1) for n, pid in procs.items() if not n.startswith("receiver")}
            database = top_diff(top0, await top(client))
            cpu["receivers"] = round(
                sum(_cpu_seconds(pid) - cpu0[n] for n, pid in procs.items() if n.startswith("receiver")), 1
            )
            await _drained(s, gw, admin, subs, live, end, 300)
            inside = _inside(meters0, await _meters(s, cluster.url("notify-svc")))
            got = {i: (await rx.received(s, i))[marks[i] :] for i in live}
            marks.update({i: marks[i] + len(rows) for i, rows in got.items()})
            figures = _figures(await _ids(db, start, end), got)
            phases[name] = {
                **figures.view(),
                "live_receivers": len(live),
                "supports_per_s": round(rate, 1),
                "responses": {k: n for k, n in responses.items() if n},  # the load's HTTP statuses
                "public_events_per_s": round(figures.events / args.seconds, 1),
                "cpu_seconds": dict(sorted(cpu.items(), key=lambda kv: -kv[1])),
                "notify_svc": inside,
                "database_time": database,
            }
            print(f"  {phases[name]}", flush=True)
            if name == "all_up":
                first_phase = (start, end)
        # The backlog rate, after the live phases (its burst of log writes would otherwise land in
        # the next phase's figures): phase 1 again to every live subscription, all at once.
        start, end = first_phase
        t0 = time.monotonic()
        for i in live:
            await _api(
                s, "POST", f"{gw}/api/agencies/seoul/subscriptions/{subs[i]}/replay", admin, {"from_seq": start + 1}
            )
        await _drained(s, gw, admin, subs, live, await _head(db), 300)
        took = time.monotonic() - t0
        counts = {i: len(await rx.received(s, i)) for i in live}
        replayed = sum(counts[i] - marks[i] for i in live)
        phases["replay"] = {
            "deliveries": replayed,
            "receivers": len(live),
            "seconds": round(took, 2),
            "deliveries_per_s": round(replayed / max(took, 1e-9), 1),
        }
        print(f"  replay: {phases['replay']}", flush=True)
        dead_lane = subs[SUBSCRIPTIONS - 1]
        dead = await _api(s, "GET", f"{gw}/api/agencies/seoul/subscriptions/{dead_lane}/deliveries?status=dead", admin)
    await client.close()
    up, one_dead, hung = phases["all_up"], phases["one_dead"], phases["one_dead_one_hung"]
    return {
        "deliveries_per_s": up["deliveries_per_s"],
        "p50_ms": up["p50_ms"],
        "p99_ms": up["p99_ms"],
        "lost": up["lost"] + one_dead["lost"] + hung["lost"],
        "duplicated": up["duplicated"] + one_dead["duplicated"] + hung["duplicated"],
        "p99_ms_one_dead": one_dead["p99_ms"],
        "p99_ms_one_dead_one_hung": hung["p99_ms"],
        "replay_deliveries_per_s": phases["replay"]["deliveries_per_s"],
        "dead_receiver_dead_letters_so_far": len(dead["items"]),
        "subscriptions": SUBSCRIPTIONS,
        "seconds_per_phase": args.seconds,
        "cpus": os.cpu_count(),
        "phases": phases,
    }


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench webhooks")
    parser.add_argument("--seconds", type=int, default=15, help="of load per phase")
    parser.add_argument("--items", type=int, default=70, help="proposals supported from the start")
    parser.add_argument("--supports-per-s", type=float, default=240.0)
    parser.add_argument("--proposals-per-s", type=float, default=1.0)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gongnon-bench-webhooks-"))
    secret = secrets.token_hex(16)
    infra = LocalInfra(work)
    cluster: Cluster | None = None
    rx: Receivers | None = None
    try:
        print("• starting Kafka, SecantusDB, Redis, the five services and 10 receivers …", flush=True)
        endpoints = infra.start()
        env = {"GATEWAY_SECRET": secret, "LOG_LEVEL": "WARNING", "WEBHOOK_ALLOW_PRIVATE": "1"}
        cluster = Cluster(endpoints, work, extra_env=env)
        cluster.start()
        rx = _start_receivers(work, SUBSCRIPTIONS)
        figures = asyncio.run(_main(args, cluster, infra.procs, endpoints.mongodb_uri, secret, rx))
        path = write_results("webhooks", figures)
        print("\nwebhooks benchmark (all infrastructure local, one run)")
        for k, v in figures.items():
            if k != "phases":
                print(f"  {k:34} {v}")
        print(f"written to {path}")
        ok = (
            figures["lost"] == 0
            and figures["duplicated"] == 0
            and figures["deliveries_per_s"] >= TARGETS["deliveries_per_s"]
            and max(figures["p99_ms"], figures["p99_ms_one_dead"]) <= TARGETS["p99_ms"]
        )
        return 0 if ok else 1
    finally:
        if rx:
            rx.stop()
        if cluster:
            cluster.stop()
        infra.stop()
