"""재집계 (recount) through the gateway: an operator recounts an item from voting-svc's ledger, and a
count that drifted too high comes down everywhere the public sees it — the item's page and the
lists (proposal-svc keeps the highest count it saw, except for a snapshot marked `repaired`)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from gongnon_infra.cluster import Cluster
from tests.support import Gateway, eventually
from tests.test_votes_faults import new_item, voting_db


async def _page_count(gw: Gateway, pid: str) -> int:
    return int((await gw.ok("GET", f"/api/proposals/{pid}"))["support_count"])


async def test_an_operator_recounts_an_item_and_a_count_too_high_comes_down_on_the_page_and_in_lists(
    cluster: Cluster, gw: Gateway, infra: Any
) -> None:
    pid = await new_item(gw)
    for _ in range(3):
        await gw.ok("POST", f"/api/proposals/{pid}/support", await gw.citizen())
    await eventually(lambda: _count_is(gw, pid, 3), what="three supports on the page")

    # Drift inside voting-svc (a bug, a hand edit): its tally says 5 more than its ledger holds.
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        await client[voting_db(cluster)].tallies.update_one({"_id": pid}, {"$inc": {"total": 5}})
    finally:
        await client.close()
    await gw.ok("POST", f"/api/proposals/{pid}/support", await gw.citizen())
    await eventually(lambda: _count_is(gw, pid, 9), what="the drifted count published")

    path = f"/api/admin/items/{pid}/reconcile"
    citizen = await gw.citizen()
    refused = await gw.req("POST", path, citizen)
    assert (refused.status, refused.body["error"]["code"]) == (403, "forbidden")
    assert (await gw.req("POST", path)).status == 401

    operator = await gw.staff("operator")
    report = await gw.ok("POST", path, operator)
    assert report["checked"] == 1
    assert report["tallies_repaired"] == [pid]
    assert (await gw.ok("GET", f"/api/proposals/{pid}/tally"))["total"] == 4
    await eventually(lambda: _count_is(gw, pid, 4), what="the repaired count on the page")
    await eventually(lambda: _listed_with(gw, pid, 4), what="the repaired count in the newest list")

    # Recounting again finds nothing to repair; supports rise from the repaired count.
    assert (await gw.ok("POST", path, operator))["tallies_repaired"] == []
    await gw.ok("POST", f"/api/proposals/{pid}/support", await gw.citizen())
    await eventually(lambda: _count_is(gw, pid, 5), what="a new support counted from the repaired count")


async def _count_is(gw: Gateway, pid: str, n: int) -> bool:
    return await _page_count(gw, pid) == n


async def _listed_with(gw: Gateway, pid: str, n: int) -> bool:
    page = await gw.ok("GET", "/api/proposals")
    return any(c["id"] == pid and c["support_count"] == n for c in page["items"])
