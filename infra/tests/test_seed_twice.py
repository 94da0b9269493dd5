"""`./dev up` run twice shows the demo data once: the platform is started on its own stores
(real Kafka, SecantusDB, Redis and the five services), seeded, stopped, started again on the same
workdir and seeded again — as two `./dev up` runs do. Each demo proposal is there exactly once,
with its supports once, the partner agency (서울교통공사) once with each of its departments once and
its admin able to sign in, and Kafka's log is the one the first run made."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gongnon_infra.cluster import Cluster
from gongnon_infra.demo import agency as partner
from gongnon_infra.demo.proposals import PROPOSALS
from gongnon_infra.demo.seed import DEMO_PASSWORD, SeedSummary, seed
from gongnon_infra.infra import STORES_FILE, LocalInfra

pytestmark = pytest.mark.cluster

SUBSET = 4  # demo proposals (the seed's own code, on fewer of them)
CITIZENS = 12


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("KAFKA_BOOTSTRAP", "MONGODB_URI", "REDIS_URL"):  # stores of its own, always
        monkeypatch.delenv(name, raising=False)
    if shutil.which("java") is None or shutil.which("redis-server") is None:
        pytest.skip("needs Java and redis-server for local stores")
    return tmp_path


async def _listing(gateway: str) -> dict[str, Any]:
    """Every proposal listed (title → how many) and each demo proposal's supports (ledger)."""
    titles: Counter[str] = Counter()
    ids: dict[str, str] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
        cursor: str | None = None
        while True:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            async with s.get(f"{gateway}/api/proposals", params=params) as r:
                assert r.status == 200, await r.text()
                page = await r.json()
            for card in page["items"]:
                titles[card["title"]] += 1
                ids[card["title"]] = card["id"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        supports: dict[str, int] = {}
        deadline = time.monotonic() + 60
        for title, *_, supporters in PROPOSALS[:SUBSET]:
            if title not in ids:
                continue
            while True:  # the ledger is written behind Kafka: wait until it has every support
                async with s.get(f"{gateway}/api/proposals/{ids[title]}/tally") as r:
                    total = int((await r.json())["total"])
                if total >= min(supporters, CITIZENS) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            supports[title] = total
        async with s.post(
            f"{gateway}/api/auth/login", json={"email": partner.ADMIN_EMAIL, "password": DEMO_PASSWORD}
        ) as r:
            assert r.status == 200, await r.text()
        async with s.get(f"{gateway}/api/agencies/{partner.AGENCY_ID}/departments") as r:
            departments = Counter(d["name"] for d in (await r.json())["items"] if d["kind"] != "head")
        async with s.get(f"{gateway}/api/proposals", params={"agency": partner.AGENCY_ID, "limit": "100"}) as r:
            agency_titles = Counter(card["title"] for card in (await r.json())["items"])
    return {"titles": titles, "supports": supports, "departments": departments, "agency_titles": agency_titles}


def _up_seed_down(workdir: Path, proposals: int) -> tuple[SeedSummary, dict[str, Any], float]:
    infra = LocalInfra(workdir)
    cluster: Cluster | None = None
    try:
        cluster = Cluster(infra.start(), workdir)
        cluster.start()
        t0 = time.monotonic()
        summary = asyncio.run(seed(cluster.gateway_url, citizens=CITIZENS, proposals=proposals))
        seed_s = time.monotonic() - t0
        return summary, asyncio.run(_listing(cluster.gateway_url)), seed_s
    finally:
        if cluster is not None:
            cluster.stop()
        infra.stop()


def test_dev_up_twice_seeds_each_demo_proposal_once(workdir: Path) -> None:
    # The first run stops one proposal short (as an interrupted seed would); the second finds the
    # others, adds the last one, and its supports reach voting-svc over the restarted Kafka.
    first, listed_first, _ = _up_seed_down(workdir, SUBSET - 1)
    cluster_id = json.loads((workdir / STORES_FILE).read_text())["kafka_cluster_id"]
    second, listed, second_s = _up_seed_down(workdir, SUBSET)

    demo = [p[0] for p in PROPOSALS[:SUBSET]]
    wanted = {p[0]: min(p[5], CITIZENS) for p in PROPOSALS[:SUBSET]}
    agency_demo = [p[0] for p in partner.PROPOSALS]
    tree = Counter([bureau for bureau, _ in partner.TREE] + [team for _, teams in partner.TREE for team, _ in teams])
    assert (first.proposals, first.created) == (SUBSET - 1, SUBSET - 1)
    assert first.supports_added == sum(wanted[t] for t in demo[:-1])
    assert listed_first["titles"] == Counter(demo[:-1] + agency_demo)
    assert first.agency is not None
    assert (first.agency.created, first.agency.departments_created) == (len(agency_demo), sum(tree.values()))
    assert (second.proposals, second.created) == (SUBSET, 1)
    assert second.supports_added == wanted[demo[-1]], "only the new proposal's supports are new"
    assert second.agency is not None
    assert (second.agency.created, second.agency.departments_created) == (0, 0), "the agency's part adds nothing"
    assert listed["titles"] == Counter(demo + agency_demo), "each demo proposal exactly once"
    assert listed["agency_titles"] == Counter(agency_demo), "the agency's proposals in its own list"
    assert listed["departments"] == tree, "each of the agency's departments exactly once"
    assert listed["supports"] == wanted
    assert second_s < 60, f"the second seed took {second_s:.0f}s"
    # Kafka's log survived the restart beside MongoDB's data.
    assert json.loads((workdir / STORES_FILE).read_text())["kafka_cluster_id"] == cluster_id
