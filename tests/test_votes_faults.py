"""Votes under faults, across the whole platform: thousands of supports from distinct verified
citizens through the gateway while (a) voting-svc is killed with SIGKILL and restarted, (b) the
Kafka broker restarts, (c) Redis restarts empty. Each ends with accepted == ledger == tally exactly.

What "accepted" means when responses are lost: every citizen is retried until the platform gives a
final answer — 201 (counted) or 409 `already_voted` (a vote of theirs is recorded). A connection
error, a timeout or a 5xx is no answer at all: the vote may or may not have been recorded, so the
citizen is retried; a 409 that follows such a lost attempt means the lost one was recorded. So
accepted = citizens answered 201 + citizens whose lost request turned out recorded, and the ledger
must hold exactly that set of citizens, each once, and the tally must count exactly as many. A 409
for a citizen none of whose requests was lost would be a double-count bug and fails the test."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import CLOCK_KEY, SystemClock, set_test_offset
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.cluster import SERVICES, Cluster
from tests.support import Gateway, eventually

CITIZENS = 3000
CONCURRENCY = 96
FAULT_AT = 0.3  # share of citizens answered before the fault is injected
RETRY_FOR_S = 240.0  # a citizen still without a final answer after this long fails the test
SETTLE_S = 240.0

PROPOSAL = {
    "title": "장애가 나도 한 표도 잃지 않는지 시험하는 제안",
    "body": "서비스가 죽거나 메시지 브로커와 캐시가 다시 시작되어도 공감이 정확히 한 번씩 세어지는지 확인합니다.",
    "category": "planning",
    "district": "jongno",
    "hashtags": ["장애시험"],
}


def gateway_secret(cluster: Cluster) -> str:
    """The signing secret the test cluster's gateway was started with."""
    spec = next(s for s in SERVICES if s.name == "gateway")
    return cluster.env_for(spec)["GATEWAY_SECRET"]


def voting_db(cluster: Cluster) -> str:
    spec = next(s for s in SERVICES if s.name == "voting-svc")
    return cluster.env_for(spec).get("MONGODB_DATABASE") or "voting_svc"


@dataclass
class Voter:
    key: str
    token: str
    lost: int = 0  # attempts with no answer (connection error, timeout, 5xx)
    pending: int = 0  # 409 vote_pending: an earlier attempt of theirs is (or was) in flight
    # "created" (201), "recorded_after_lost" (409 after a lost attempt), "already_voted" (409 otherwise)
    result: str = ""
    statuses: list[str] = field(default_factory=list)


def mint_voters(secret: str, n: int, tag: str) -> list[Voter]:
    signer = TokenSigner(secret.encode(), timedelta(hours=2), SystemClock())
    run = os.urandom(3).hex()
    voters = []
    for i in range(n):
        key = f"{tag}-{run}-{i:05d}"
        actor = Actor(account_id=f"acc-{key}", role=ActorRole.CITIZEN, citizen_key=key, display_name="")
        voters.append(Voter(key=key, token=signer.issue(actor)))
    return voters


class Load:
    """Supports from many citizens at once, each retried until it gets a final answer."""

    def __init__(self, base: str, item_id: str, voters: list[Voter], concurrency: int = CONCURRENCY) -> None:
        self.url = f"{base}/api/proposals/{item_id}/support"
        self.voters = voters
        self.concurrency = concurrency
        self.done = 0
        self.halfway = asyncio.Event()

    async def run(self) -> None:
        queue: asyncio.Queue[Voter] = asyncio.Queue()
        for v in self.voters:
            queue.put_nowait(v)
        conn = aiohttp.TCPConnector(limit=self.concurrency)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
            await asyncio.gather(*(self._worker(session, queue) for _ in range(self.concurrency)))

    async def _worker(self, session: aiohttp.ClientSession, queue: asyncio.Queue[Voter]) -> None:
        while not queue.empty():
            v = queue.get_nowait()
            await self.vote(session, v)
            self.done += 1
            if self.done >= FAULT_AT * len(self.voters):
                self.halfway.set()

    async def vote(self, session: aiohttp.ClientSession, v: Voter) -> None:
        deadline = time.monotonic() + RETRY_FOR_S
        while time.monotonic() < deadline:
            status, code = await _post(session, self.url, v.token)
            v.statuses.append(f"{status}:{code}")
            if status == 201:
                v.result = "created"
                return
            if status == 409 and code == "already_voted":
                v.result = "recorded_after_lost" if v.lost else "already_voted"
                return
            if status == 409 and code == "vote_pending":
                v.pending += 1
            elif status in (0, 502, 503, 504):
                v.lost += 1
            else:
                v.result = f"refused:{status}:{code}"
                return
            await asyncio.sleep(0.2 + random.random() * 0.5)
        v.result = "no_answer"


async def _post(session: aiohttp.ClientSession, url: str, token: str) -> tuple[int, str]:
    try:
        async with session.post(url, headers={"Authorization": f"Bearer {token}"}) as r:
            body = await r.json(content_type=None)
            code = body.get("error", {}).get("code", "") if isinstance(body, dict) else ""
            return r.status, str(code or "")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return 0, type(exc).__name__


async def new_item(gw: Gateway) -> str:
    author = await gw.citizen()
    pid = str((await gw.ok("POST", "/api/proposals", author, PROPOSAL))["id"])
    await eventually(lambda: _tally_ok(gw, pid), timeout=60, what="ballot open in voting-svc")
    return pid


async def _tally_ok(gw: Gateway, pid: str) -> bool:
    return (await gw.req("GET", f"/api/proposals/{pid}/tally")).status == 200


async def ledger_keys(mongodb_uri: str, db: str, item_id: str) -> list[str]:
    """voting-svc's ledger for the item, read as an observer (served by its item_id+citizen_key index)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        docs = await client[db].ledger.find({"item_id": item_id}, {"citizen_key": 1, "_id": 0}).to_list(None)
    finally:
        await client.close()
    return [d["citizen_key"] for d in docs]


async def run_with_fault(
    gw: Gateway, pid: str, voters: list[Voter], fault: Callable[[], Awaitable[None]]
) -> tuple[float, float]:
    """Run the load, inject the fault once FAULT_AT of the citizens are answered; (load s, fault s)."""
    load = Load(gw.base, pid, voters)
    started = time.monotonic()
    task = asyncio.create_task(load.run())
    await asyncio.wait([task, asyncio.create_task(load.halfway.wait())], return_when=asyncio.FIRST_COMPLETED)
    assert not task.done(), "the load finished before the fault: raise CITIZENS"
    f0 = time.monotonic()
    await fault()
    fault_s = time.monotonic() - f0
    await task
    return time.monotonic() - started, fault_s


async def assert_exact(gw: Gateway, cluster: Cluster, infra: Any, pid: str, voters: list[Voter]) -> dict[str, int]:
    """accepted == ledger == tally, exactly, and no citizen counted twice."""
    results: dict[str, int] = {}
    for v in voters:
        results[v.result] = results.get(v.result, 0) + 1
    bad = [(v.key, v.result, v.statuses[-5:]) for v in voters if v.result not in ("created", "recorded_after_lost")]
    assert not bad, f"{len(bad)} citizen(s) without a proper final answer, e.g. {bad[:5]}; results {results}"
    accepted = {v.key for v in voters}
    created = sum(1 for v in voters if v.result == "created")
    db = voting_db(cluster)

    async def ledger_settled() -> list[str] | None:
        keys = await ledger_keys(infra.mongodb_uri, db, pid)
        return keys if set(keys) >= accepted or len(keys) > len(accepted) else None

    try:
        keys = await eventually(ledger_settled, timeout=SETTLE_S, what="ledger holds every accepted vote")
    except AssertionError:
        keys = await ledger_keys(infra.mongodb_uri, db, pid)
        missing = accepted - set(keys)
        raise AssertionError(
            f"{len(missing)} accepted vote(s) missing from the ledger, e.g. {sorted(missing)[:5]}"
        ) from None
    assert len(keys) == len(set(keys)), "a citizen appears twice in the ledger"
    assert set(keys) == accepted, f"ledger has {len(set(keys) - accepted)} vote(s) nobody was told were counted"

    async def tally_total() -> int | None:
        body = await gw.ok("GET", f"/api/proposals/{pid}/tally")
        return int(body["total"]) if int(body["total"]) >= len(accepted) else None

    total = await eventually(tally_total, timeout=SETTLE_S, what="tally reaches the ledger count")
    assert total == len(keys) == len(accepted) == created + results.get("recorded_after_lost", 0)
    return {
        "accepted": len(accepted),
        "created": created,
        **results,
        "lost_attempts": sum(v.lost for v in voters),
        "pending_answers": sum(v.pending for v in voters),
    }


def _report(name: str, load_s: float, fault_s: float, counts: dict[str, int]) -> None:
    print(f"\n[{name}] load {load_s:.1f}s (fault {fault_s:.1f}s): {counts}")


async def test_voting_svc_killed_mid_load_counts_exactly(cluster: Cluster, gw: Gateway, infra: Any) -> None:
    pid = await new_item(gw)
    voters = mint_voters(gateway_secret(cluster), CITIZENS, "kill")
    loop = asyncio.get_running_loop()

    async def kill_and_restart() -> None:
        await loop.run_in_executor(None, cluster.kill, "voting-svc")
        await asyncio.sleep(1.0)
        await loop.run_in_executor(None, cluster.start_service, "voting-svc")

    try:
        load_s, fault_s = await run_with_fault(gw, pid, voters, kill_and_restart)
        assert cluster.procs["voting-svc"].alive()
        counts = await assert_exact(gw, cluster, infra, pid, voters)
        # The kill hit requests in flight: some had no answer and were retried.
        assert counts["lost_attempts"] > 0, counts
        _report("voting-svc SIGKILL", load_s, fault_s, counts)
    finally:
        await loop.run_in_executor(None, _ensure_service, cluster, "voting-svc")


async def test_kafka_restart_mid_load_counts_exactly(cluster: Cluster, gw: Gateway, infra: Any) -> None:
    local = _local_or_skip(infra, "kafka")
    pid = await new_item(gw)
    voters = mint_voters(gateway_secret(cluster), CITIZENS, "kafka")
    loop = asyncio.get_running_loop()

    async def restart_kafka() -> None:
        await loop.run_in_executor(None, local.restart_kafka)

    try:
        load_s, fault_s = await run_with_fault(gw, pid, voters, restart_kafka)
        counts = await assert_exact(gw, cluster, infra, pid, voters)
        _report("Kafka restart", load_s, fault_s, counts)
        # Everything downstream of Kafka works again: a new proposal opens a ballot in voting-svc.
        await new_item(gw)
    finally:
        await loop.run_in_executor(None, _ensure_kafka, local)


async def test_redis_restarted_empty_mid_load_counts_exactly_and_refuses_second_votes(
    cluster: Cluster, gw: Gateway, infra: Any
) -> None:
    local = _local_or_skip(infra, "redis")
    pid = await new_item(gw)
    voters = mint_voters(gateway_secret(cluster), CITIZENS, "redis")
    loop = asyncio.get_running_loop()
    redis = Redis.from_url(infra.redis_url, decode_responses=True)
    # The test clock's offset lives in Redis: other tests may have moved it; put it back afterwards.
    clock_offset = await redis.get(CLOCK_KEY)

    async def restart_redis() -> None:
        await loop.run_in_executor(None, local.restart_redis_empty)
        await _restore_clock(infra.redis_url, clock_offset)

    try:
        load_s, fault_s = await run_with_fault(gw, pid, voters, restart_redis)
        counts = await assert_exact(gw, cluster, infra, pid, voters)
        _report("Redis restarted empty", load_s, fault_s, counts)

        # Nobody votes twice afterwards: every citizen already counted is refused, none counted again.
        again = [Voter(key=v.key, token=v.token) for v in voters]
        await Load(gw.base, pid, again).run()
        assert all(v.statuses[-1] == "409:already_voted" for v in again), {v.result for v in again}
        assert not any(s.startswith("201") for v in again for s in v.statuses), "a second vote was accepted"
        total = (await gw.ok("GET", f"/api/proposals/{pid}/tally"))["total"]
        assert total == counts["accepted"]
        assert len(await ledger_keys(infra.mongodb_uri, voting_db(cluster), pid)) == counts["accepted"]
    finally:
        await redis.aclose()
        if not local.procs["redis"].alive():
            await loop.run_in_executor(None, local.restart_redis_empty)
            await _restore_clock(infra.redis_url, clock_offset)


async def _restore_clock(redis_url: str, offset: str | bytes | None) -> None:
    if offset is None:
        return
    r = Redis.from_url(redis_url, decode_responses=True)
    try:
        await set_test_offset(r, float(offset))
    finally:
        await r.aclose()


def _local_or_skip(infra: Any, proc: str) -> Any:
    local = getattr(infra, "local", None)
    if local is None or proc not in local.procs:
        pytest.skip(f"{proc} is not a process this test run owns (explicit URIs or containers)")
    return local


def _ensure_service(cluster: Cluster, name: str) -> None:
    proc = cluster.procs.get(name)
    if proc is None or not proc.alive():
        cluster.start_service(name)
    else:
        cluster.wait_ready(name)


def _ensure_kafka(local: Any) -> None:
    if not local.procs["kafka"].alive():
        local.restart_kafka()
