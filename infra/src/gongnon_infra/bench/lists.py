"""`./dev bench lists`: the public proposal lists and title search through the gateway under wrk,
at 100,000 proposals.

The proposals are written straight into proposal-svc's database in bulk: creating 100,000 over
HTTP (each a transaction with its timeline entry and outbox event) would take hours on SecantusDB.
The documents are built by proposal-svc's own code — the Proposal model, the rules engine for the
milestones a support count reaches, and the repository's `to_doc` — so their shape is the one the
service writes. Times spread over five years, supports follow a long tail (half have none, one in
a hundred reaches 50), with categories, districts, theme hashtags and Korean titles.

wrk then rotates over a mix — latest, popular, by category, by district, by hashtag, keyword
search and page 2 through a cursor — and each kind is also measured alone.
With --list-cache-s 1, proposal-svc serves anonymous list pages from a one-second cache (results
then go to bench-results/lists-cached.json).
Usage: ./dev bench lists [--proposals N] [--seconds S] [--connections C,C2,…] [--kind-seconds S]
       [--list-cache-s S]"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_contracts.events.common import ActorRole, Metric
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS
from gongnon_infra.bench import write_results
from gongnon_infra.bench.wrk import WrkResult, run_wrk
from gongnon_infra.cluster import Cluster
from gongnon_infra.demo.proposals import PROPOSALS as DEMO
from gongnon_infra.infra import LocalInfra
from gongnon_infra.procs import Proc, free_port, port_open, wait_until
from proposal_svc.adapters.repository import to_doc
from proposal_svc.domain.presets import DEFAULT_PRESET, PRESETS
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.rules import Reading, evaluate, expire

TARGET_P99_MS = 200.0
OPLOG_MAX_ENTRIES = 5_000_000
CACHE_SIZE = "4G"
YEARS = 5
BATCH = 1_000

PLACES = [
    "따릉이 대여소",
    "버스 정류장",
    "지하철역 엘리베이터",
    "공공 화장실",
    "어린이 놀이터",
    "한강 산책로",
    "동네 도서관",
    "전통시장 주차장",
    "횡단보도 그늘막",
    "골목길 가로등",
    "공원 운동기구",
    "경로당 냉난방",
    "학교 앞 통학로",
    "자전거 도로",
    "마을버스 노선",
    "재활용 분리수거함",
    "공영 주차장",
    "청년 임대주택",
    "반려견 놀이터",
    "무더위 쉼터",
]
ACTIONS = [
    "늘려주세요",
    "설치해 주세요",
    "개선해 주세요",
    "확대해 주세요",
    "새로 만들어 주세요",
    "안전하게 바꿔 주세요",
    "야간에도 운영해 주세요",
    "점검해 주세요",
]
HASHTAGS = [
    "따릉이",
    "배리어프리",
    "어린이안전",
    "미세먼지",
    "기후위기",
    "청년주거",
    "반려동물",
    "골목상권",
    "대중교통",
    "어르신",
    "공원녹지",
    "야간안전",
]
KEYWORDS = ["따릉이", "정류장 그늘막", "놀이터", "엘리베이터", "도서관", "주차장", "가로등", "산책로", "쉼터", "통학로"]


def _object_particle(word: str) -> str:
    """을 after a final consonant (받침), 를 after a vowel."""
    code = ord(word[-1]) - 0xAC00
    return "을" if 0 <= code < 11_172 and code % 28 else "를"


def make_proposal(i: int, now: datetime, rng: random.Random) -> Proposal:
    created = now - timedelta(seconds=rng.uniform(60, YEARS * 365 * 86_400))
    created = created.replace(microsecond=created.microsecond // 1000 * 1000)  # BSON keeps milliseconds
    if i % 50 == 0:
        demo = DEMO[i // 50 % len(DEMO)]
        title, category, district, tags, body = demo[0], demo[1], demo[2], list(demo[3]), demo[4]
    else:
        place = rng.choice(PLACES)
        title = f"{place}{_object_particle(place)} {rng.choice(ACTIONS)}"
        category = rng.choice(list(POLICY_CATEGORIES))
        district = rng.choice([*SEOUL_DISTRICTS, None])
        tags = rng.sample(HASHTAGS, rng.choice([0, 1, 1, 2]))
        body = f"{title}. 주민들이 오래 불편을 겪고 있습니다. 현장을 확인하고 개선 계획을 알려 주세요."
    agency = "seoul" if rng.random() < 0.95 else "gangnam-cf"
    u = rng.random()
    supports = 0 if u < 0.5 else min(200_000, int(0.5 / (1 - u)))  # P(≥ k) = 0.5 / k
    rule_set = PRESETS[DEFAULT_PRESET].for_agency(agency)
    p = Proposal(
        id=f"pr_{int(created.timestamp() * 1000):012x}{i:010x}",
        agency=agency,
        title=title,
        body=body,
        category=category,
        district=district,
        hashtags=tags,
        author_account=f"bench-author-{i % 5000}",
        author_name="",
        author_role=ActorRole.CITIZEN,
        created_at=created,
        rule_set=rule_set,
        listed=rule_set.listed_on_submit,
        support_count=supports,
    )
    # What the rules engine would have recorded for these supports, so milestones and the derived
    # fields (stage, next deadline) are those of a real item.
    reached = min(now, created + timedelta(days=1))
    for firing in evaluate(rule_set, p.state, {Metric.SUPPORTS: Reading(supports, reached)}, reached):
        p.apply(firing)
    ended = expire(rule_set, p.state, now)
    p.expired += [e.rule.id for e in ended.expiries]
    if ended.close and ended.closes_at is not None:
        p.closed_at = ended.closes_at
    return p


async def seed(mongodb_uri: str, count: int, now: datetime) -> float:
    """Insert `count` proposals into proposal-svc's database; returns the seconds it took."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    coll = client["proposal_svc"]["proposals"]
    rng = random.Random(20171024)  # Democracy Seoul's launch day: the same data every run
    started = time.monotonic()
    for start in range(0, count, BATCH):
        docs = [to_doc(make_proposal(i, now, rng)) for i in range(start, min(count, start + BATCH))]
        await coll.insert_many(docs, ordered=False)
        done = start + len(docs)
        if done % 10_000 == 0 or done == count:
            rate = done / (time.monotonic() - started)
            print(f"  {done:>7,} proposals ({rate:,.0f}/s)", flush=True)
    await client.close()
    return time.monotonic() - started


def start_secantus(work: Path) -> tuple[Proc, str]:
    """SecantusDB sized for 100,000 proposals and their 18 list indexes. With its defaults (a 1 GB
    WiredTiger cache, an oplog capped at 100,000 entries and kept an hour) a bulk load stalls at
    ~25,000 documents: every 1,000th insert prunes the oplog from its oldest entry, and once the
    cache is full that walk never finishes (measured here; with a 4 GB cache it keeps ~400/s)."""
    port = free_port()
    data = work / "mongo-data"
    data.mkdir(parents=True, exist_ok=True)
    argv = [
        str(Path(sys.executable).parent / "secantusd-py"),
        "--port",
        str(port),
        "--storage-path",
        str(data),
        "--oplog-max-entries",
        str(OPLOG_MAX_ENTRIES),
        "--oplog-retention-seconds",
        str(24 * 3600),
        "--cache-size",
        CACHE_SIZE,
    ]
    proc = Proc("mongo", argv, work / "logs" / "mongo.log").start()
    wait_until(lambda: port_open(port), 90, "SecantusDB", proc)
    return proc, f"mongodb://127.0.0.1:{port}/?replicaSet=secantus"


def _path(**params: str) -> str:
    return "/api/proposals" + (f"?{urlencode(params)}" if params else "")


async def build_mix(gw: str) -> dict[str, list[str]]:
    """Every kind of list query, and page 2 of some of them through the cursor page 1 gave."""
    kinds: dict[str, list[str]] = {
        "latest": [_path()],
        "popular": [_path(sort="popular")],
        "category": [_path(category=c) for c in POLICY_CATEGORIES],
        "district": [_path(district=d) for d in SEOUL_DISTRICTS],
        "hashtag": [_path(hashtag=h) for h in HASHTAGS],
        "search": [_path(q=k) for k in KEYWORDS],
        "page2": [],
    }
    firsts = [{}, {"sort": "popular"}, {"category": "transport"}, {"district": "mapo", "sort": "popular"}]
    async with aiohttp.ClientSession() as s:
        for params in firsts:
            async with s.get(f"{gw}{_path(**params)}") as r:
                body = await r.json()
                if r.status != 200 or not body.get("next_cursor"):
                    raise RuntimeError(f"no first page for {params}: {r.status} {body}")
            kinds["page2"].append(_path(**params, cursor=body["next_cursor"]))
    return kinds


def interleave(kinds: dict[str, list[str]], rounds: int = 30) -> list[str]:
    """Each kind equally often, its variants in turn."""
    return [variants[n % len(variants)] for n in range(rounds) for variants in kinds.values()]


def _errors(r: WrkResult) -> int:
    return r.socket_errors + sum(n for status, n in r.statuses.items() if status != "200")


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench lists")
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--connections", default="16,4,64", help="comma-separated; the first gives the headline figures"
    )
    parser.add_argument("--kind-seconds", type=int, default=5, help="each kind of query alone (0: skip)")
    parser.add_argument(
        "--list-cache-s",
        type=float,
        default=None,
        help="override proposal-svc's cache of anonymous list pages (PROPOSAL_LIST_CACHE_S; 0 is off)",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gongnon-bench-lists-"))
    infra = LocalInfra(work)
    cluster: Cluster | None = None
    mongo: Proc | None = None
    try:
        print("• starting Kafka, SecantusDB, Redis and the five services …", flush=True)
        if not os.environ.get("MONGODB_URI"):
            mongo, uri = start_secantus(work)
            os.environ["MONGODB_URI"] = uri  # LocalInfra uses it instead of starting its own
        endpoints = infra.start()
        env_extra = {"LOG_LEVEL": "WARNING"}
        if args.list_cache_s is not None:
            env_extra["PROPOSAL_LIST_CACHE_S"] = str(args.list_cache_s)
        cluster = Cluster(endpoints, work, extra_env=env_extra)
        cluster.start()
        gw = cluster.gateway_url
        now = datetime.now(UTC)
        print(
            f"• seeding {args.proposals:,} proposals straight into proposal-svc's database in bulk "
            "(documents built by proposal-svc's own model, rules engine and to_doc; 100,000 HTTP "
            "creates would take far too long) …",
            flush=True,
        )
        seed_s = asyncio.run(seed(endpoints.mongodb_uri, args.proposals, now))
        kinds = asyncio.run(build_mix(gw))
        mix = work / "paths.txt"
        mix.write_text("\n".join(interleave(kinds)) + "\n")
        env = {"WRK_PATHS": str(mix)}
        levels = [int(x) for x in args.connections.split(",") if x.strip()]
        c = levels[0]

        print(f"• warm-up: {args.warmup}s of the mix …", flush=True)
        run_wrk(gw, args.warmup, c, script="lists.lua", env=env)
        runs: dict[int, WrkResult] = {}
        for level in levels:
            print(f"• measured: {args.seconds}s of the mix ({', '.join(kinds)}), {level} connections …", flush=True)
            runs[level] = run_wrk(gw, args.seconds, level, script="lists.lua", env=env)
            r = runs[level]
            print(f"  p50 {r.p50_ms:.2f} ms   p99 {r.p99_ms:.2f} ms   {r.requests_per_s:.1f} req/s", flush=True)
        ours = runs[c]

        per_kind: dict[str, dict[str, float]] = {}
        if args.kind_seconds > 0:
            for kind, paths in kinds.items():
                one = work / f"paths-{kind}.txt"
                one.write_text("\n".join(paths) + "\n")
                r = run_wrk(gw, args.kind_seconds, c, script="lists.lua", env={"WRK_PATHS": str(one)})
                per_kind[kind] = {
                    "p50_ms": round(r.p50_ms, 2),
                    "p99_ms": round(r.p99_ms, 2),
                    "requests_per_s": round(r.requests_per_s, 1),
                    "errors": _errors(r),
                }
                print(f"  {kind:9} p50 {r.p50_ms:7.2f} ms   p99 {r.p99_ms:7.2f} ms   {r.requests_per_s:7.1f} req/s")

        figures: dict[str, Any] = {
            "proposals": args.proposals,
            "p50_ms": round(ours.p50_ms, 2),
            "p99_ms": round(ours.p99_ms, 2),
            "requests_per_s": round(ours.requests_per_s, 1),
            "errors": _errors(ours),
            "target_p99_ms": TARGET_P99_MS,
            "target_met": ours.p99_ms <= TARGET_P99_MS and _errors(ours) == 0,
            "statuses": ours.statuses,
            "connections": c,
            "by_connections": {
                str(level): {
                    "p50_ms": round(r.p50_ms, 2),
                    "p99_ms": round(r.p99_ms, 2),
                    "requests_per_s": round(r.requests_per_s, 1),
                    "errors": _errors(r),
                }
                for level, r in runs.items()
            },
            "seconds": args.seconds,
            "mix": {kind: len(paths) for kind, paths in kinds.items()},
            "per_kind": per_kind,
            "list_cache_s": "service default" if args.list_cache_s is None else args.list_cache_s,
            "seed_seconds": round(seed_s, 1),
            "seeded_directly": True,
            "cpus": os.cpu_count(),
        }
        name = "lists" if args.list_cache_s is None else f"lists-cache-{args.list_cache_s:g}"
        path = write_results(name, figures)
        print(f"\nlists benchmark ({args.proposals:,} proposals, through the gateway, all infrastructure local)")
        for k in (
            "proposals",
            "p50_ms",
            "p99_ms",
            "requests_per_s",
            "errors",
            "target_met",
            "connections",
            "list_cache_s",
        ):
            print(f"  {k:16} {figures[k]}")
        print(f"written to {path}")
        return 0 if figures["errors"] == 0 else 1
    finally:
        if cluster:
            cluster.stop()
        infra.stop()
        if mongo:
            mongo.stop()
            os.environ.pop("MONGODB_URI", None)
