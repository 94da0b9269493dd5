"""Supports spread over many items at once (issue 17): several items cross their 50-support
threshold in the same batches of the ledger writer and of proposal-svc's tally consumer, and yet
each item's public count is exact and each milestone fires once: one timeline entry, one review
case, one `proposal.milestone_reached` in the public feed. Real processes over real Kafka."""

from __future__ import annotations

import asyncio
import os
import random
from datetime import timedelta
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.cluster import SERVICES, Cluster
from tests.support import Gateway, eventually

ITEMS = 12
# Supports each item gets: most cross 50 (the department-answer rule of the default rule set),
# some stop just short of it, one lands exactly on it.
TARGETS = [50, 51, 53, 55, 58, 60, 62, 49, 48, 64, 57, 30]
THRESHOLD = 50


def _tokens(cluster: Cluster, n: int) -> list[str]:
    secret = cluster.env_for(next(s for s in SERVICES if s.name == "gateway"))["GATEWAY_SECRET"]
    signer = TokenSigner(secret.encode(), timedelta(hours=1), SystemClock())
    run = os.urandom(3).hex()
    return [
        signer.issue(Actor(account_id=f"acc-spread-{run}-{i}", role=ActorRole.CITIZEN, citizen_key=f"sp-{run}-{i}"))
        for i in range(n)
    ]


async def test_many_items_cross_their_threshold_together_each_milestone_once(cluster: Cluster, gw: Gateway) -> None:
    author = await gw.citizen()
    ids = []
    for i in range(ITEMS):
        body = {
            "title": f"여러 제안이 한꺼번에 공감 50을 넘는 경우 {i}",
            "body": "동시에 기준을 넘어도 한 번씩만.",
            "category": "welfare",
        }
        ids.append((await gw.ok("POST", "/api/proposals", author, body))["id"])
    for pid in ids:
        await eventually(lambda pid=pid: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open")

    # Every support a different citizen; the items interleaved, so each wave names every item and
    # the items reach 50 close together, inside the same batches downstream.
    tokens = iter(_tokens(cluster, sum(TARGETS)))
    plan = [pid for pid, n in zip(ids, TARGETS, strict=True) for _ in range(n)]
    random.Random(17).shuffle(plan)
    for start in range(0, len(plan), 120):
        wave = plan[start : start + 120]
        results = await asyncio.gather(*(gw.req("POST", f"/api/proposals/{pid}/support", next(tokens)) for pid in wave))
        assert all(r.status == 201 for r in results), [r.body for r in results if r.status != 201][:3]

    expected = dict(zip(ids, TARGETS, strict=True))

    async def counted() -> bool:
        for pid, n in expected.items():
            p = await gw.ok("GET", f"/api/proposals/{pid}")
            if p["support_count"] != n:
                return False
        return True

    await eventually(counted, timeout=120, what="every public count equal to the supports cast")
    for pid, n in expected.items():
        assert (await gw.ok("GET", f"/api/proposals/{pid}/tally"))["total"] == n

    crossed = [pid for pid, n in expected.items() if n >= THRESHOLD]
    assert len(crossed) == 9

    async def milestones_shown() -> bool:
        for pid in crossed:
            cases = await gw.ok("GET", f"/api/proposals/{pid}/cases")
            if len(_items(cases)) != 1:
                return False
        return True

    await eventually(milestones_shown, timeout=120, what="a review case for every item over 50")
    await asyncio.sleep(2)  # room for a duplicate to show up, were there one
    for pid, n in expected.items():
        timeline = (await gw.ok("GET", f"/api/proposals/{pid}/timeline"))["items"]
        fired = [e["data"]["rule_id"] for e in timeline if e["kind"] == "proposal.milestone_reached"]
        assert fired == (["supports-50"] if n >= THRESHOLD else []), (pid, n, fired)
        cases = _items(await gw.ok("GET", f"/api/proposals/{pid}/cases"))
        assert len(cases) == (1 if n >= THRESHOLD else 0), (pid, n, cases)
        detail = await gw.ok("GET", f"/api/proposals/{pid}")
        reached = [m for m in detail["milestones"] if m["rule_id"] == "supports-50"]
        assert len(reached) == (1 if n >= THRESHOLD else 0)
        if reached:
            assert reached[0]["value"] >= THRESHOLD


def _items(body: Any) -> list[Any]:
    return list(body["items"] if isinstance(body, dict) else body)


async def _status(gw: Gateway, path: str, want: int) -> bool:
    return (await gw.req("GET", path)).status == want
