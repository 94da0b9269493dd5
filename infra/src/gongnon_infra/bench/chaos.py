"""`./dev chaos` (also `./dev bench chaos`): the fault matrix under load.

Supports from distinct verified citizens go through the gateway at a target rate (1,000/s unless
told), spread over a few hundred items with a Zipf-like popularity, so that items keep crossing the
rule set's thresholds (50 supports: a department answer, 500: a debate candidate) all through the
run. After a steady phase, one fault at a time, each followed by its phase of recovery under the
same load: each of the five services killed with SIGKILL and started again, the Kafka broker
restarted, Redis restarted empty, SecantusDB (MongoDB) restarted on the same data.

The load generator is our own (aiohttp, one process): wrk cannot retry. A citizen is retried
until the platform gives a final answer, as in tests/test_votes_faults.py: 201 (counted) or 409
`already_voted` (a vote of theirs is recorded). A connection error, a timeout or a 5xx is no
answer: the vote may or may not have been recorded, so the citizen is asked again; a 409 that
follows such a lost attempt means the lost one was recorded. So accepted = citizens answered 201 +
citizens whose lost attempt turned out recorded; a 409 for a citizen none of whose requests was
lost is a double count.

Once the load has stopped and every citizen has their answer, the bench waits (bounded, polling)
until the ledger writer has consumed the votes topic, no outbox holds an unpublished event, every
consumer group has committed to the end of its topics and notify-svc has fanned out every
broadcast, and then checks: accepted == ledger == tally == public count, per item and in total;
each milestone fired exactly once (expected from the ledger counts and the rule set); each review
case opened once per milestone (and its event sent once); each notification delivered once to
each follower it was due to (author and supporters who supported by then), none twice.

Writes bench-results/chaos.json; exits 1 when anything was lost or doubled."""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import os
import random
import secrets
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError

from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Topic
from gongnon_infra.bench import write_results
from gongnon_infra.bench.accounting import MILESTONE, create_items, milestones, pct, settle_counts
from gongnon_infra.bench.votes import cpu_seconds, mint_tokens
from gongnon_infra.cluster import SERVICES, Cluster
from gongnon_infra.infra import LocalInfra
from voting_svc.adapters.kafka_offsets import committed_offsets, end_offsets, wait_until_consumed
from voting_svc.entrypoints.ledger_writer import ledger_group

Doc = dict[str, Any]
SERVICE_FAULTS = ("gateway", "proposal-svc", "voting-svc", "review-svc", "notify-svc")
INFRA_FAULTS = ("kafka", "redis", "mongo")
FAULTS = (*SERVICE_FAULTS, *INFRA_FAULTS)
CASE_OPENED = "review.case_opened"
TOKEN_PREFIX = "chaos"
REQUEST_TIMEOUT_S = 15.0
PROBE_EVERY_S = 0.5
QUIET_S = 5.0  # a phase ends only after this long with no failed request or probe
PROGRESS_EVERY_S = 30.0  # a line while a long wait goes on
PROBE = "read "  # how a failed probe is named among the failures

# Final outcomes of a citizen.
CREATED = "created"
RECORDED_AFTER_LOST = "recorded_after_lost"
ALREADY_VOTED = "already_voted"  # 409 with no lost attempt before it: a double count
NO_ANSWER = "no_answer"


def citizen_key(n: int) -> str:
    """The n-th minted citizen's key, as mint_tokens names them."""
    return f"{TOKEN_PREFIX}-ci-{n:08d}"


@dataclass(slots=True)
class Citizen:
    n: int  # line of the token file
    item: int  # index into the items
    token: str  # their session (dropped once their request is made: the load keeps every citizen)
    lost: int = 0  # attempts with no answer (connection error, timeout, 5xx)
    pending: int = 0  # 409 vote_pending: an earlier attempt of theirs was still on its way
    result: str = ""
    last: str = ""

    @property
    def accepted(self) -> bool:
        return self.result in (CREATED, RECORDED_AFTER_LOST)


class Pacer:
    """Starts at most `rate` supports a second across all workers. After a stall (a fault) it
    does not send the missed ones in a burst: lost time is lost rate."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    async def wait(self) -> None:
        now = time.monotonic()
        self.next = max(self.next, now - 1.0)
        slot, self.next = self.next, self.next + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class Load:
    """Supports from distinct citizens at a target rate, each retried until a final answer, and a
    prober that reads through the gateway from every service; runs its own event loop in a thread.
    Times are time.monotonic()."""

    gw: str
    items: list[str]
    cumulative: list[float]
    tokens: IO[str]
    rate: float
    connections: int
    probe_token: str
    retry_for_s: float  # a citizen still without a final answer after this long is reported unresolved
    # Gateways that share the load, each citizen's attempts at one of them in turn (scale.py: two
    # gateway instances); empty: `gw` alone. May be changed while the load runs.
    gateways: list[str] = field(default_factory=list)
    citizens: list[Citizen] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (when, ms) of each 201
    failures: list[tuple[float, str]] = field(default_factory=list)  # (when, what) of requests and probes
    last_failure: float = 0.0
    last_accepted: float = 0.0
    tokens_ran_out: bool = False
    started: float = 0.0
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _rng: random.Random = field(default_factory=lambda: random.Random(12))

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="chaos-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # handed to the main thread by finish()
            self.error = exc

    def finish(self, timeout_s: float) -> bool:
        """No new citizens; wait until each started one has their final answer."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout_s)
        if self.error is not None:
            raise RuntimeError("the load generator failed") from self.error
        return not (self._thread and self._thread.is_alive())

    def quiet_since(self, t: float) -> bool:
        """No failure since t, and supports accepted since (while there are citizens left)."""
        if self.error is not None:
            raise RuntimeError("the load generator failed") from self.error
        return self.last_failure < t and (t < self.last_accepted or self.tokens_ran_out)

    def _fail(self, when: float, what: str) -> None:
        self.failures.append((when, what))
        self.last_failure = max(self.last_failure, when)

    async def _main(self) -> None:
        pacer = Pacer(self.rate)
        conn = aiohttp.TCPConnector(limit=self.connections + 8, limit_per_host=0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S, connect=3.0)
        async with aiohttp.ClientSession(connector=conn, timeout=timeout) as s:
            probe = asyncio.create_task(self._probe(s))
            await asyncio.gather(*(self._worker(s, pacer) for _ in range(self.connections)))
            probe.cancel()

    def _next_citizen(self) -> Citizen | None:
        line = self.tokens.readline().strip()
        if not line:
            self.tokens_ran_out = True
            return None
        item = bisect.bisect_left(self.cumulative, self._rng.random() * self.cumulative[-1])
        c = Citizen(n=len(self.citizens), item=item, token=line)
        self.citizens.append(c)
        return c

    async def _worker(self, s: aiohttp.ClientSession, pacer: Pacer) -> None:
        while not self._stop.is_set():
            await pacer.wait()
            if self._stop.is_set():
                return
            c = self._next_citizen()
            if c is None:
                return
            await self._vote(s, c)

    async def _vote(self, s: aiohttp.ClientSession, c: Citizen) -> None:
        path = f"/api/proposals/{self.items[c.item]}/support"
        headers = {"Authorization": f"Bearer {c.token}"}
        c.token = ""
        deadline = time.monotonic() + self.retry_for_s
        attempt = 0
        while True:
            gateways = self.gateways or [self.gw]
            url = gateways[(c.n + attempt) % len(gateways)] + path
            attempt += 1
            sent = time.monotonic()
            status, code = await _post(s, url, headers)
            now = time.monotonic()
            answer = f"{status}:{code}"
            if status == 201:
                c.result, c.last = CREATED, answer
                self.accepted_at.append(now)
                self.latencies.append((now, (now - sent) * 1000))
                self.last_accepted = now
                return
            if status == 409 and code == "already_voted":
                c.result, c.last = (RECORDED_AFTER_LOST if c.lost else ALREADY_VOTED), answer
                if c.lost:
                    self.accepted_at.append(now)
                return
            if status == 409 and code == "vote_pending":
                c.pending += 1
            elif status == 0 or status >= 500:
                c.lost += 1
            elif status != 429:  # anything else is a final refusal, reported
                c.result, c.last = f"refused:{answer}", answer
                return
            self._fail(now, answer)
            if now >= deadline:
                c.result, c.last = NO_ANSWER, answer
                return
            await asyncio.sleep(0.2 + self._rng.random() * 0.5)

    async def _probe(self, s: aiohttp.ClientSession) -> None:
        """Reads that cross each service, every PROBE_EVERY_S: the item (proposal-svc), its tally
        (voting-svc), its review cases (review-svc), the author's inbox (notify-svc)."""
        item = self.items[0]
        reads = {
            "proposal": (f"{self.gw}/api/proposals/{item}", {}),
            "tally": (f"{self.gw}/api/proposals/{item}/tally", {}),
            "cases": (f"{self.gw}/api/proposals/{item}/cases", {}),
            "inbox": (f"{self.gw}/api/inbox", {"Authorization": f"Bearer {self.probe_token}"}),
        }
        probe_timeout = aiohttp.ClientTimeout(total=5.0)

        async def one(name: str, url: str, headers: dict[str, str]) -> None:
            try:
                async with s.get(url, headers=headers, timeout=probe_timeout) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                self._fail(time.monotonic(), f"{PROBE}{name}:{type(exc).__name__}")
                return
            if status >= 500:
                self._fail(time.monotonic(), f"{PROBE}{name}:{status}")

        while True:
            await asyncio.gather(*(one(n, u, h) for n, (u, h) in reads.items()))
            await asyncio.sleep(PROBE_EVERY_S)


async def _post(s: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> tuple[int, str]:
    try:
        async with s.post(url, headers=headers) as r:
            body = await r.json(content_type=None)
            code = body.get("error", {}).get("code", "") if isinstance(body, dict) else ""
            return r.status, str(code or "")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return 0, type(exc).__name__


# -- faults ---------------------------------------------------------------------------------------


def _lease_holder(client: MongoClient[Doc], service: str) -> str | None:
    """Who holds the service's outbox-relay lease (gongnon_chassis.lease), from its database."""
    try:
        doc = client[service.replace("-", "_")]["leases"].find_one({"_id": "outbox-relay"}, {"holder": 1})
    except PyMongoError:
        return None
    return str(doc["holder"]) if doc else None


def _inject(name: str, cluster: Cluster, infra: LocalInfra) -> None:
    """The fault, and the component back (started and ready, or its port open)."""
    if name in SERVICE_FAULTS:
        cluster.kill(name)  # SIGKILL to its process group: no shutdown code runs
        cluster.start_service(name)
    elif name == "kafka":
        infra.restart_kafka()
    elif name == "redis":
        infra.restart_redis_empty()
    elif name == "mongo":
        infra.restart_mongo()
    else:
        raise ValueError(name)


async def _ledger_behind(kafka: str) -> int:
    """Vote records on Kafka not yet in the ledger (the write-behind's backlog)."""
    ends = await end_offsets(kafka, Topic.VOTES.value)
    done = await committed_offsets(kafka, ledger_group("voting-svc"))
    return sum(max(0, end - max(0, done.get(tp, 0))) for tp, end in ends.items())


def _run_fault(
    name: str, load: Load, cluster: Cluster, infra: LocalInfra, db: MongoClient[Doc], seconds: float, limit_s: float
) -> Doc:
    """Inject one fault under the load, then keep the load on for the rest of the phase, until at
    least `seconds` after the injection and QUIET_S without any failure (for `limit_s` at most)."""
    holder = _lease_holder(db, name) if name in SERVICE_FAULTS else None
    behind = asyncio.run(_ledger_behind(cluster.endpoints.kafka_bootstrap))
    t0 = time.monotonic()
    injected_at = datetime.now(UTC)
    print(f"• {name}: {'SIGKILL and start' if name in SERVICE_FAULTS else 'restart'} …", flush=True)
    _inject(name, cluster, infra)
    restored = time.monotonic() - t0
    lease_moved: float | None = None
    recovered = True
    said = t0
    while True:
        now = time.monotonic()
        if now - said >= PROGRESS_EVERY_S:
            said = now
            failed = [(t, what) for t, what in load.failures[-1:] if t >= t0]
            last = f"last failure {now - failed[0][0]:.1f}s ago ({failed[0][1]})" if failed else "no failure"
            print(f"  {now - t0:.0f}s: {last}", flush=True)
        if holder is not None and lease_moved is None and _lease_holder(db, name) not in (None, holder):
            lease_moved = now - t0
        if now - t0 >= seconds and load.quiet_since(now - QUIET_S):
            break
        if now - t0 >= limit_s:
            recovered = False
            break
        time.sleep(0.25)  # the poll's period: the check is quiet_since
    return {
        "name": name,
        "injected_at": injected_at.isoformat(timespec="milliseconds"),
        "at_s": round(t0 - load.started, 1),  # into the load
        "t0": t0,
        "t1": time.monotonic(),
        "ledger_behind_at_injection": behind,
        "restored_s": round(restored, 2),
        "outbox_lease_moved_s": None if lease_moved is None else round(lease_moved, 2),
        "recovered": recovered,
    }


# -- settling and the books -------------------------------------------------------------------------


async def _backlog(kafka: str, client: AsyncMongoClient[Doc]) -> dict[str, int]:
    """What is still on its way: unpublished outbox rows per service, records not yet committed
    per consumer group, broadcasts not yet fanned out. Empty when the platform is at rest."""
    out: dict[str, int] = {}
    for spec in SERVICES:
        db = spec.name.replace("-", "_")
        n = await client[db]["outbox"].count_documents({"published": False})
        if n:
            out[f"{db} outbox"] = n
    n = await client["notify_svc"]["broadcasts"].count_documents({"done": False})
    if n:
        out["notify_svc broadcasts"] = n
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = {}
        for group, _ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            # Every partition of a topic the group reads, the ones it has not committed yet too.
            tps = [tp for topic in {tp.topic for tp in committed} for tp in await _partitions(admin, topic)]
            missing = [tp for tp in tps if tp not in ends]
            if missing:
                ends.update(await consumer.end_offsets(missing))
            behind = sum(max(0, ends[tp] - max(0, committed[tp].offset if tp in committed else 0)) for tp in tps)
            if behind:
                out[f"group {group}"] = behind
    finally:
        await consumer.stop()
        await admin.close()
    return out


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    described = await admin.describe_topics([topic])
    return [TopicPartition(topic, p["partition"]) for t in described if t["topic"] == topic for p in t["partitions"]]


async def _settle(kafka: str, mongodb_uri: str, timeout_s: float) -> tuple[bool, float, Doc]:
    """Until the ledger has every vote and then two readings in a row find nothing on its way."""
    t0 = time.monotonic()
    ledger = asyncio.create_task(wait_until_consumed(kafka, ledger_group("voting-svc"), Topic.VOTES.value, timeout_s))
    while not ledger.done():
        await asyncio.wait([ledger], timeout=PROGRESS_EVERY_S)
        if not ledger.done():
            behind = await _ledger_behind(kafka)
            print(f"  {time.monotonic() - t0:.0f}s: the ledger is {behind:,} vote record(s) behind", flush=True)
    ledger_s = time.monotonic() - t0
    if ledger.exception() is not None:
        return False, ledger_s, {"ledger_caught_up_s": None, "backlog": {"ledger": str(ledger.exception())}}
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri)
    quiet = 0
    backlog: dict[str, int] = {}
    try:
        said = t0
        while time.monotonic() - t0 < timeout_s:
            backlog = await _backlog(kafka, client)
            quiet = 0 if backlog else quiet + 1
            if backlog and time.monotonic() - said >= PROGRESS_EVERY_S:
                said = time.monotonic()
                print(f"  {said - t0:.0f}s: still on its way: {backlog}", flush=True)
            if quiet >= 2:
                break
            await asyncio.sleep(1.0)
    finally:
        await client.close()
    return quiet >= 2, time.monotonic() - t0, {"ledger_caught_up_s": round(ledger_s, 1), "backlog": backlog}


@dataclass
class LedgerVote:
    citizen_key: str
    account_id: str
    cast_at: datetime


async def _ledger(mongodb_uri: str, items: set[str]) -> dict[str, list[LedgerVote]]:
    """Every vote on our items, per item (one pass over the ledger)."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    votes: dict[str, list[LedgerVote]] = defaultdict(list)
    fields = {"item_id": 1, "citizen_key": 1, "account_id": 1, "cast_at": 1, "_id": 0}
    async for d in client["voting_svc"]["ledger"].find({}, fields, batch_size=5000):
        if d["item_id"] in items:
            votes[d["item_id"]].append(LedgerVote(d["citizen_key"], d.get("account_id", ""), d["cast_at"]))
    await client.close()
    return votes


async def _cases_and_notifications(mongodb_uri: str, items: list[str], ledger: dict[str, list[LedgerVote]]) -> Doc:
    """Review cases and their events per milestone; notifications per (recipient, happening).

    notify-svc keys each notification by (broadcast, account) with a unique index, and a broadcast
    by its happening (`milestone:{item}:{rule}`, `case_opened:{case}`), so a repeated event cannot
    store a second one; a second case for one milestone, or a milestone fired twice under another
    rule id, would. So notifications are counted per (recipient, item, rule, kind), the rule of a
    case's notice being its case's. Due: for each broadcast, the author and every supporter whose
    vote was cast by the broadcast's moment (notify_svc.domain.audience.reaches), i.e. the follower
    set notify-svc should have reached."""
    wanted = set(items)
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    try:
        cases: dict[str, tuple[str, str]] = {}
        per_milestone: Counter[tuple[str, str]] = Counter()
        async for c in client["review_svc"]["cases"].find({"item_id": {"$in": items}}, {"item_id": 1, "rule_id": 1}):
            cases[c["_id"]] = (c["item_id"], c["rule_id"])
            per_milestone[(c["item_id"], c["rule_id"])] += 1
        case_events: Counter[tuple[str, str]] = Counter()
        for env in await outbox_envelopes(client["review_svc"], type=CASE_OPENED):
            data = env["data"]
            if data["item_id"] in wanted:
                case_events[(data["item_id"], data.get("rule_id", ""))] += 1
        fired: set[tuple[str, str]] = set()
        for env in await outbox_envelopes(client["proposal_svc"], type=MILESTONE):
            data = env["data"]
            if data["item_id"] in wanted:
                fired.add((data["item_id"], data["rule_id"]))
        authors = {
            d["_id"]: d["author_account"]
            async for d in client["proposal_svc"]["proposals"].find({"_id": {"$in": items}}, {"author_account": 1})
        }
        broadcasts = {
            b["_id"]: b
            async for b in client["notify_svc"]["broadcasts"].find(
                {"item_id": {"$in": items}}, {"item_id": 1, "kind": 1, "at": 1}
            )
        }
        got: dict[str, set[str]] = defaultdict(set)
        per_happening: Counter[tuple[str, str, str, str]] = Counter()
        per_event: Counter[tuple[str, str]] = Counter()
        stored = 0
        fields = {"broadcast_id": 1, "account_id": 1, "item_id": 1, "kind": 1, "event_id": 1, "_id": 0}
        async for n in client["notify_svc"]["notifications"].find({}, fields, batch_size=5000):
            if n["item_id"] not in wanted:
                continue
            stored += 1
            got[n["broadcast_id"]].add(n["account_id"])
            kind, _, rest = n["broadcast_id"].partition(":")
            rule = cases.get(rest, ("", rest))[1] if kind != "milestone" else rest.rpartition(":")[2]
            per_happening[(n["account_id"], n["item_id"], rule, kind)] += 1
            per_event[(n["account_id"], n.get("event_id", ""))] += 1
    finally:
        await client.close()

    due_total = missing = unexpected = 0
    for bid, b in broadcasts.items():
        item = b["item_id"]
        due = {v.account_id for v in ledger.get(item, []) if v.cast_at <= b["at"]}
        due.add(authors.get(item, ""))
        due_total += len(due)
        missing += len(due - got.get(bid, set()))
        unexpected += len(got.get(bid, set()) - due)
    expected_broadcasts = {f"milestone:{i}:{r}" for i, r in fired} | {f"case_opened:{c}" for c in cases}
    return {
        "review_cases": len(cases),
        "review_cases_doubled": sum(1 for n in per_milestone.values() if n > 1),
        "case_events_doubled": sum(1 for n in case_events.values() if n > 1),
        "broadcasts": len(broadcasts),
        "broadcasts_missing": len(expected_broadcasts - broadcasts.keys()),
        "notifications": stored,
        "notifications_due": due_total,
        "notifications_missing": missing,
        "notifications_unexpected": unexpected,
        "notifications_doubled": sum(n - 1 for n in per_happening.values() if n > 1),
        # The same, by (recipient, source event id).
        "notifications_doubled_by_event": sum(n - 1 for n in per_event.values() if n > 1),
    }


# -- figures ----------------------------------------------------------------------------------------


def _cpu(cluster: Cluster, infra: LocalInfra) -> dict[str, float]:
    """CPU seconds so far of each process, this one (the load generator) included."""
    procs = {**infra.procs, **cluster.procs}
    mine = os.times()
    return {"load generator": mine.user + mine.system, **{n: cpu_seconds(p.pid) for n, p in procs.items()}}


def _cpu_since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    used = {n: round(after[n] - before.get(n, 0.0), 1) for n in after}
    return dict(sorted(used.items(), key=lambda kv: -kv[1]))


def _window(load: Load, t0: float, t1: float) -> Doc:
    accepted = sum(1 for t in load.accepted_at if t0 <= t < t1)
    lat = [ms for t, ms in load.latencies if t0 <= t < t1]
    return {
        "seconds": round(t1 - t0, 1),
        "votes_per_s": round(accepted / (t1 - t0), 1) if t1 > t0 else 0.0,
        "p50_ms": pct(lat, 50),
        "p99_ms": pct(lat, 99),
    }


def _fault_figures(load: Load, f: Doc) -> Doc:
    t0, t1 = f.pop("t0"), f.pop("t1")
    seen = [(t, what) for t, what in load.failures if t0 <= t < t1]
    accepted = [t0, *(t for t in load.accepted_at if t0 <= t < t1), t1]

    def last(failures: list[tuple[float, str]]) -> float:
        return round(max(t for t, _ in failures) - t0, 2) if failures else 0.0

    return {
        **f,
        # From the injection to the last failed support or read of the phase (0: none failed).
        "answering_again_s": last(seen),
        "supports_answering_again_s": last([x for x in seen if not x[1].startswith(PROBE)]),
        "reads_answering_again_s": last([x for x in seen if x[1].startswith(PROBE)]),
        # The longest stretch of the phase in which no support was accepted.
        "no_support_accepted_s": round(max(b - a for a, b in itertools.pairwise(accepted)), 2),
        "errors": dict(Counter(what for _, what in seen).most_common()),
        **_window(load, t0, t1),
    }


def _books(load: Load, items: list[str], ledger: dict[str, list[LedgerVote]], counts: dict[str, Doc]) -> Doc:
    outcomes = Counter(c.result for c in load.citizens)
    accepted_keys: dict[str, set[str]] = defaultdict(set)
    for c in load.citizens:
        if c.accepted:
            accepted_keys[items[c.item]].add(citizen_key(c.n))
    lost = unacknowledged = in_ledger_twice = 0
    mismatched: list[Doc] = []
    for item in items:
        keys = [v.citizen_key for v in ledger.get(item, [])]
        in_ledger_twice += len(keys) - len(set(keys))
        lost += len(accepted_keys[item] - set(keys))
        unacknowledged += len(set(keys) - accepted_keys[item])
        row = {"accepted": len(accepted_keys[item]), "ledger": len(keys), **counts[item]}
        if len(set(row.values())) > 1:
            mismatched.append({"item": item, **row})
    accepted = outcomes[CREATED] + outcomes[RECORDED_AFTER_LOST]
    return {
        "accepted": accepted,
        "ledger": sum(len(v) for v in ledger.values()),
        "tally": sum(c["tally"] for c in counts.values()),
        "public_count": sum(c["public"] for c in counts.values()),
        # Accepted votes missing from the ledger.
        "lost": lost,
        # 409 already_voted with no lost attempt before it, plus a citizen twice in the ledger.
        "doubled": outcomes[ALREADY_VOTED] + in_ledger_twice,
        # In the ledger although their citizen was never told it counted.
        "ledger_unacknowledged": unacknowledged,
        "items_mismatched": len(mismatched),
        "mismatched_examples": mismatched[:5],
        "citizens": len(load.citizens),
        "created": outcomes[CREATED],
        "recorded_after_lost": outcomes[RECORDED_AFTER_LOST],
        "unresolved": outcomes[NO_ANSWER],
        "refused": {k: n for k, n in outcomes.items() if k.startswith("refused:")},
        # Evidence for whatever went wrong: a few citizens of each bad outcome.
        "citizens_in_question": [
            {"citizen": citizen_key(c.n), "item": items[c.item], "result": c.result, "lost": c.lost, "last": c.last}
            for outcome in sorted(k for k in outcomes if k not in (CREATED, RECORDED_AFTER_LOST))
            for c in [c for c in load.citizens if c.result == outcome][:5]
        ],
        "lost_attempts": sum(c.lost for c in load.citizens),
        "pending_answers": sum(c.pending for c in load.citizens),
    }


def _print(figures: Doc) -> None:
    print("\nchaos: the fault matrix under load (all infrastructure local, one run)")
    for k, v in figures.items():
        if k == "faults":
            print("  faults:")
            for f in v:
                errors = ", ".join(f"{w} ×{n}" for w, n in list(f["errors"].items())[:6]) or "none"
                lease = f"outbox lease moved after {f['outbox_lease_moved_s']}s; " if f["outbox_lease_moved_s"] else ""
                print(
                    f"    {f['name']:13} at {f['injected_at'][11:23]} (+{f['at_s']}s): back in {f['restored_s']}s; "
                    f"last failed support +{f['supports_answering_again_s']}s, read +{f['reads_answering_again_s']}s; "
                    f"no support accepted for {f['no_support_accepted_s']}s; {lease}{f['votes_per_s']}/s "
                    f"(p99 {f['p99_ms']} ms); ledger {f['ledger_behind_at_injection']:,} records behind; "
                    f"errors: {errors}"
                )
        else:
            print(f"  {k:28} {v}")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./dev chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds-per-fault", type=float, default=40, help="each fault's phase (at least)")
    parser.add_argument("--steady-seconds", type=float, default=30, help="the load before the first fault")
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--rate", type=float, default=1000, help="target supports per second")
    parser.add_argument("--connections", type=int, default=128, help="concurrent citizens at most")
    parser.add_argument("--zipf", type=float, default=1.0, help="s of the 1/k^s popularity")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, in order; of {','.join(FAULTS)}")
    parser.add_argument(
        "--recovery-timeout",
        type=float,
        default=900,
        help=f"seconds a fault's phase may last at most, waiting for {QUIET_S:.0f}s without a failure",
    )
    parser.add_argument("--settle-timeout", type=float, default=3600, help="seconds to wait for the platform to rest")
    args = parser.parse_args(argv)
    args.fault_list = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in args.fault_list if f not in FAULTS]
    if unknown:
        parser.error(f"unknown faults {unknown}; choose from {', '.join(FAULTS)}")
    return args


def run(argv: list[str]) -> int:
    args = _parse(argv)
    work = Path(tempfile.mkdtemp(prefix="gongnon-chaos-"))
    secret = secrets.token_hex(16)
    infra = LocalInfra(work)
    cluster: Cluster | None = None
    try:
        print(f"• starting Kafka, SecantusDB, Redis and the five services (logs: {work / 'logs'}) …", flush=True)
        endpoints = infra.start()
        uri = endpoints.mongodb_uri
        cluster = Cluster(endpoints, work, extra_env={"GATEWAY_SECRET": secret, "LOG_LEVEL": "WARNING"})
        cluster.start()
        gw = cluster.gateway_url
        print(f"• filing {args.items:,} proposals through the API …", flush=True)
        items, author_token = asyncio.run(create_items(gw, args.items))
        # Enough for every phase at the full rate half as long again, and two minutes more; a
        # citizen retrying through an outage holds on to their one session.
        planned_s = args.steady_seconds + len(args.fault_list) * args.seconds_per_fault
        n_tokens = int(args.rate * (planned_s * 1.5 + 120))
        print(f"• minting {n_tokens:,} signed sessions of distinct verified citizens …", flush=True)
        mint_tokens(secret, n_tokens, work / "tokens.txt", prefix=TOKEN_PREFIX)
        cumulative = list(accumulate(1 / (k**args.zipf) for k in range(1, len(items) + 1)))

        with (work / "tokens.txt").open() as tokens:
            # A citizen keeps trying for as long as a phase may last, and a while more.
            retry_for_s = args.recovery_timeout + 120
            load = Load(gw, items, cumulative, tokens, args.rate, args.connections, author_token, retry_for_s)
            print(f"• load: {args.rate:,.0f} supports/s target over {len(items)} items; steady for "
                  f"{args.steady_seconds:.0f}s …", flush=True)  # fmt: skip
            cpu_before = _cpu(cluster, infra)
            load.start()
            time.sleep(args.steady_seconds)  # the steady phase: load, nothing injected
            steady = _window(load, load.started, time.monotonic())
            cpu_steady = _cpu_since(cpu_before, _cpu(cluster, infra))
            db: MongoClient[Doc] = MongoClient(uri, serverSelectionTimeoutMS=2000)
            try:
                faults = [
                    _run_fault(f, load, cluster, infra, db, args.seconds_per_fault, args.recovery_timeout)
                    for f in args.fault_list
                ]
            finally:
                db.close()
            load_end = time.monotonic()
            print("• load stopped; waiting for every citizen's final answer …", flush=True)
            drained = load.finish(retry_for_s + 60)
        print("• settling: the ledger, every outbox, every consumer group, every fan-out …", flush=True)
        cpu_before = _cpu(cluster, infra)
        settled, settle_s, settle_info = asyncio.run(_settle(endpoints.kafka_bootstrap, uri, args.settle_timeout))
        cpu_settling = _cpu_since(cpu_before, _cpu(cluster, infra))
        ledger = asyncio.run(_ledger(uri, set(items)))
        cast_times = {i: [v.cast_at for v in votes] for i, votes in ledger.items()}
        counts, public_settled_s = asyncio.run(settle_counts(uri, items, cast_times))
        fired = asyncio.run(milestones(gw, uri, items, cast_times))
        books = _books(load, items, ledger, counts)
        notes = asyncio.run(_cases_and_notifications(uri, items, ledger))

        overall = _window(load, load.started, load_end)
        fault_figures = [_fault_figures(load, f) for f in faults]
        figures: Doc = {
            "faults": fault_figures,
            **{k: books.pop(k) for k in ("accepted", "ledger", "tally", "lost", "doubled")},
            "milestones_missing": fired["milestones_expected"] - fired["milestones_fired"],
            "milestones_doubled": fired["milestones_doubled"],
            "notifications_doubled": notes.pop("notifications_doubled"),
            "votes_per_s": overall["votes_per_s"],
            "votes_per_s_by_phase": {"steady": steady["votes_per_s"]}
            | {f["name"]: f["votes_per_s"] for f in fault_figures},
            "target_rate": args.rate,
            "p50_ms": overall["p50_ms"],
            "p99_ms": overall["p99_ms"],
            "load_seconds": overall["seconds"],
            **books,
            **{k: v for k, v in fired.items() if k != "milestones_doubled"},
            **notes,
            "settled": settled and drained,
            "settle_s": round(settle_s, 1),
            **settle_info,
            "public_counts_settled_s": round(public_settled_s, 1),
            "tokens_ran_out": load.tokens_ran_out,
            # Where the two cores went: in the steady phase (is the load generator the limit?), and
            # while the platform caught up after the load.
            "cpu_seconds_steady": cpu_steady,
            "cpu_seconds_settling": cpu_settling,
            "items": len(items),
            "items_supported": len(ledger),
            "hottest_items": sorted((len(v) for v in ledger.values()), reverse=True)[:5],
            "zipf_s": args.zipf,
            "connections": args.connections,
            "seconds_per_fault": args.seconds_per_fault,
            "cpus": os.cpu_count(),
            "logs": str(work / "logs"),
        }
        bad = _failures(figures)
        figures["clean"] = not bad
        figures["failures"] = bad
        path = write_results("chaos", figures)
        _print(figures)
        print(f"written to {path}")
        return 0 if not bad else 1
    finally:
        if cluster:
            cluster.stop()
        infra.stop()


CHECKS: dict[str, Callable[[Any], bool]] = {
    "lost": bool,
    "doubled": bool,
    "ledger_unacknowledged": bool,
    "items_mismatched": bool,
    "unresolved": bool,
    "refused": bool,
    "milestones_missing": bool,
    "milestones_doubled": bool,
    "milestones_unexpected": bool,
    "review_cases_missing": bool,
    "review_cases_doubled": bool,
    "case_events_doubled": bool,
    "broadcasts_missing": bool,
    "notifications_missing": bool,
    "notifications_unexpected": bool,
    "notifications_doubled": bool,
    "notifications_doubled_by_event": bool,
    "settled": lambda v: not v,
    "tokens_ran_out": bool,  # the load stopped before the matrix ended
}


def _failures(figures: Doc) -> list[str]:
    """What the run must not show, by key, with the figure (plus the totals disagreeing)."""
    bad = [f"{k}={figures[k]}" for k, fails in CHECKS.items() if fails(figures[k])]
    if not figures["accepted"] == figures["ledger"] == figures["tally"] == figures["public_count"]:
        bad.append("accepted, ledger, tally and public count differ")
    bad += [f"{f['name']} did not recover" for f in figures["faults"] if not f["recovered"]]
    return bad
