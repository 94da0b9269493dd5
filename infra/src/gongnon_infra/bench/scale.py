"""`./dev bench scale`: scale-out on loopback, without Docker (issue 16).

Three Kafka brokers (kafka_quorum.py: KRaft, separate JVMs, topics with three replicas and
`min.insync.replicas=2`), one SecantusDB, one Redis. Supports from distinct verified citizens
(chaos.py's load: each citizen retried until a final answer) first against one instance of each
service, then against two instances each of the gateway, voting-svc, proposal-svc and notify-svc
(the load split over both gateways; each gateway takes turns among the backends' instances). Under
the two-instance load, in turn:

- a Kafka broker is killed with SIGKILL and stays down for its phase (then comes back);
- a third voting-svc instance is added (its consumer groups rebalance);
- the first voting-svc instance is removed (stopped; the groups rebalance again, the gateways pass
  over it).

Then the platform settles and the books are checked as chaos.py checks them: accepted == ledger ==
tally == public count for every item, no acknowledged vote lost, none doubled, every milestone
fired exactly once (two proposal-svc instances), every review case opened once, every
notification delivered once (two notify-svc instances).

On two cores the second rate is not a speed-up: two instances of four services share the same two
cores (and the same database) as one did, so the figure shows what coordination costs — more
processes, consumer groups split over more members, connections spread over more pools. A second
machine is where instances add capacity (docs/capacity.md).

Writes bench-results/scale.json (votes_per_s for one and for two instances per service, lost,
doubled, counts_equal, …); exits 1 when anything was lost, doubled or left unequal."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

from gongnon_infra.bench import write_results
from gongnon_infra.bench.accounting import create_items, milestones, settle_counts
from gongnon_infra.bench.chaos import (
    TOKEN_PREFIX,
    Load,
    _books,
    _cases_and_notifications,
    _ledger,
    _settle,
    _window,
)
from gongnon_infra.bench.votes import mint_tokens
from gongnon_infra.cluster import Cluster
from gongnon_infra.infra import LocalInfra

Doc = dict[str, Any]
SCALED = {"gateway": 2, "voting-svc": 3, "proposal-svc": 2, "notify-svc": 2}  # voting-svc-3: added mid-load
ADDED = "voting-svc-3"
REMOVED = "voting-svc"
BROKER = 3  # the node killed
REPLICATED_TOPICS = {"KAFKA_TOPIC_REPLICATION_FACTOR": "3", "KAFKA_TOPIC_MIN_INSYNC_REPLICAS": "2"}
# What must be zero (or false) after the run; the same books as chaos.py keeps.
MUST_BE_ZERO = (
    "lost",
    "doubled",
    "ledger_unacknowledged",
    "items_mismatched",
    "unresolved",
    "refused",
    "milestones_doubled",
    "milestones_missing",
    "milestones_unexpected",
    "review_cases_missing",
    "review_cases_doubled",
    "notifications_doubled",
    "notifications_missing",
)


@dataclass(frozen=True)
class Plan:
    # The defaults are the run the README reports (it gives --rate 600 and 2000 runs too).
    items: int = 30
    rate: float = 300.0
    connections: int = 128
    warmup_s: float = 10.0
    phase_s: float = 8.0  # each measured phase: one instance, two instances
    fault_s: float = 12.0  # each fault's phase
    zipf: float = 1.0
    settle_timeout_s: float = 1800.0


def _say(msg: str) -> None:
    print(msg, flush=True)


def measure(plan: Plan, work: Path) -> Doc:
    """The whole run; returns the figures (also what the test in tests/ checks)."""
    secret = secrets.token_hex(16)
    infra = LocalInfra(work, kafka_brokers=3)
    cluster: Cluster | None = None
    try:
        _say(f"• three Kafka brokers, SecantusDB, Redis, one instance of each service (logs: {work / 'logs'}) …")
        endpoints = infra.start()
        env = {"GATEWAY_SECRET": secret, "LOG_LEVEL": "WARNING", **REPLICATED_TOPICS}
        cluster = Cluster(endpoints, work, extra_env=env)
        cluster.start()
        gw = cluster.gateway_url
        _say(f"• filing {plan.items:,} proposals through the API …")
        items, author = asyncio.run(create_items(gw, plan.items))
        planned_s = 2 * (plan.warmup_s + plan.phase_s) + 3 * plan.fault_s + 120
        n_tokens = int(min(plan.rate, 2500) * planned_s * 1.3)
        _say(f"• minting {n_tokens:,} signed sessions of distinct verified citizens …")
        mint_tokens(secret, n_tokens, work / "tokens.txt", prefix=TOKEN_PREFIX)
        cumulative = list(accumulate(1 / (k**plan.zipf) for k in range(1, len(items) + 1)))
        retry_for_s = 600.0
        phases: Doc = {}
        faults: list[Doc] = []
        with (work / "tokens.txt").open() as tokens:
            load = Load(gw, items, cumulative, tokens, plan.rate, plan.connections, author, retry_for_s)
            _say(f"• one instance each: {plan.rate:,.0f} supports/s asked for {plan.warmup_s + plan.phase_s:.0f}s …")
            load.start()
            phases["one"] = _phase(load, plan)

            _say("• scaling out: two instances each of the gateway, voting-svc, proposal-svc and notify-svc …")
            cluster.stop()  # under load: the citizens cut off retry until answered
            cluster = Cluster(endpoints, work, extra_env=env, instances=SCALED, ports=dict(cluster.ports))
            cluster.start(skip=[ADDED])
            load.gateways = cluster.urls("gateway")
            phases["two"] = _phase(load, plan)

            faults.append(_fault(load, plan, f"kafka broker {BROKER} SIGKILL", lambda: infra.quorum_kill(BROKER)))
            infra.quorum_start(BROKER)
            scaled = cluster
            faults.append(_fault(load, plan, f"{ADDED} added", lambda: scaled.start_service(ADDED)))
            faults.append(_fault(load, plan, f"{REMOVED} removed", lambda: scaled.procs[REMOVED].stop()))
            load_end = time.monotonic()
            _say("• load stopped; waiting for every citizen's final answer …")
            drained = load.finish(retry_for_s + 60)
        _say("• settling: the ledger, every outbox, every consumer group, every fan-out …")
        uri = endpoints.mongodb_uri
        settled, settle_s, settle_info = asyncio.run(_settle(endpoints.kafka_bootstrap, uri, plan.settle_timeout_s))
        ledger = asyncio.run(_ledger(uri, set(items)))
        cast_times = {i: [v.cast_at for v in votes] for i, votes in ledger.items()}
        counts, _ = asyncio.run(settle_counts(uri, items, cast_times))
        fired = asyncio.run(milestones(gw, uri, items, cast_times))
        books = _books(load, items, ledger, counts)
        notes = asyncio.run(_cases_and_notifications(uri, items, ledger))
        one, two = phases["one"]["votes_per_s"], phases["two"]["votes_per_s"]
        figures: Doc = {
            "votes_per_s": {"one_instance_each": one, "two_instances_each": two},
            "two_over_one": round(two / one, 3) if one else None,
            "note": "two cores: the second figure is the cost of coordination, not a speed-up",
            **{k: books.pop(k) for k in ("accepted", "ledger", "tally", "public_count", "lost", "doubled")},
            "counts_equal": False,  # set below
            "phases": phases,
            "faults": faults,
            **books,
            **fired,
            "milestones_missing": fired["milestones_expected"] - fired["milestones_fired"],
            **notes,
            "settled": settled and drained,
            "settle_s": round(settle_s, 1),
            **settle_info,
            "overall": _window(load, load.started, load_end),
            "kafka_brokers": 3,
            "instances": SCALED,
            "items": len(items),
            "target_rate": plan.rate,
            "cpus": os.cpu_count(),
            "logs": str(work / "logs"),
        }
        figures["counts_equal"] = (
            figures["accepted"] == figures["ledger"] == figures["tally"] == figures["public_count"]
            and figures["items_mismatched"] == 0
        )
        figures["failures"] = failures(figures)
        return figures
    finally:
        if cluster:
            cluster.stop()
        infra.stop()


def _phase(load: Load, plan: Plan) -> Doc:
    time.sleep(plan.warmup_s)
    t0 = time.monotonic()
    time.sleep(plan.phase_s)
    return _window(load, t0, time.monotonic())


def _fault(load: Load, plan: Plan, name: str, inject: Any) -> Doc:
    _say(f"• {name} …")
    t0 = time.monotonic()
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    inject()
    time.sleep(plan.fault_s)
    t1 = time.monotonic()
    failed = [what for t, what in load.failures if t0 <= t < t1]
    return {"name": name, "at": at, "failed_attempts": len(failed), **_window(load, t0, t1)}


def failures(figures: Doc) -> list[str]:
    bad = [f"{k}={figures[k]}" for k in MUST_BE_ZERO if figures.get(k)]
    if not figures["counts_equal"]:
        bad.append("accepted, ledger, tally and public count differ")
    if not figures["settled"]:
        bad.append("the platform did not settle")
    return bad


def _parse(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="./dev bench scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=Plan.items)
    parser.add_argument("--rate", type=float, default=Plan.rate, help="target supports per second")
    parser.add_argument("--connections", type=int, default=Plan.connections)
    parser.add_argument("--phase-seconds", type=float, default=Plan.phase_s)
    parser.add_argument("--fault-seconds", type=float, default=Plan.fault_s)
    a = parser.parse_args(argv)
    return Plan(items=a.items, rate=a.rate, connections=a.connections, phase_s=a.phase_seconds, fault_s=a.fault_seconds)


def run(argv: list[str]) -> int:
    plan = _parse(argv)
    figures = measure(plan, Path(tempfile.mkdtemp(prefix="gongnon-scale-")))
    path = write_results("scale", figures)
    print("\nscale: one and two instances per service, three Kafka brokers (all local, one run)")
    for key in ("votes_per_s", "two_over_one", "note", "accepted", "ledger", "tally", "public_count", "lost",
                "doubled", "counts_equal", "milestones_expected", "milestones_fired", "milestones_doubled",
                "notifications_doubled", "settle_s", "failures"):  # fmt: skip
        print(f"  {key:24} {figures.get(key)}")
    for f in figures["faults"]:
        rate = f"{f['votes_per_s']}/s (p99 {f['p99_ms']} ms)"
        print(f"  fault: {f['name']:28} {rate}, {f['failed_attempts']} failed attempts")
    print(f"written to {path}")
    return 1 if figures["failures"] else 0
