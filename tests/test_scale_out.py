"""Scale-out on loopback (issue 16): three Kafka brokers in a KRaft quorum, topics with three
replicas and min.insync.replicas 2, two instances each of the gateway, voting-svc, proposal-svc and
notify-svc, under a load of supports split over both gateways. Mid-load a broker is killed with
SIGKILL, a third voting-svc instance is added and the first one removed (the consumer groups
rebalance each time). Afterwards nothing acknowledged is lost, nothing counts twice, every item's
accepted == ledger == tally == public count, and every milestone, review case and notification
happened exactly once with two proposal-svc and two notify-svc instances.

The run is `./dev bench scale` at a small load (gongnon_infra.bench.scale.measure); the bench
prints the rates, this test checks only the books."""

from __future__ import annotations

from pathlib import Path

from gongnon_infra.bench.scale import Plan, measure

PLAN = Plan(items=30, rate=250, connections=48, warmup_s=3, phase_s=6, fault_s=12, settle_timeout_s=600)


def test_two_instances_and_a_lost_broker_lose_and_double_nothing(tmp_path: Path) -> None:
    figures = measure(PLAN, tmp_path)
    print(
        {k: figures[k] for k in ("votes_per_s", "accepted", "ledger", "tally", "public_count", "lost", "doubled")},
        [(f["name"], f["votes_per_s"], f["failed_attempts"]) for f in figures["faults"]],
    )
    assert figures["failures"] == [], figures["failures"]
    assert figures["settled"]
    assert figures["lost"] == 0
    assert figures["doubled"] == 0
    assert figures["counts_equal"]
    assert figures["accepted"] == figures["ledger"] == figures["tally"] == figures["public_count"] > 0
    assert figures["milestones_fired"] == figures["milestones_expected"] > 0
    assert figures["milestones_doubled"] == 0
    # Each phase took votes while its fault was on (else it would show nothing).
    assert all(f["votes_per_s"] > 0 for f in figures["faults"]), figures["faults"]
