"""The transactional outbox under a crash: proposal-svc is killed (SIGKILL) after its database
commit and before the event reaches Kafka. After a restart the event is published exactly once
and downstream services act on it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from gongnon_infra.cluster import Cluster
from tests.kafka_probe import read_topic
from tests.support import Gateway, eventually

TOPIC = "gongnon.proposals"
BODY = {
    "title": "정류장 의자에 햇빛 가림막을 달아주세요",
    "body": "여름철 버스 정류장 의자가 뜨거워 앉을 수 없습니다. 가림막을 설치해 주세요.",
    "category": "transport",
    "district": "nowon",
    "hashtags": [],
}


def _submitted(events: list[dict[str, Any]], pid: str) -> list[dict[str, Any]]:
    # Only envelopes count: other tests may put probes on the topic, which services skip too.
    return [e for e in events if e.get("type") == "proposal.submitted" and e.get("subject") == pid]


async def _find_by_title(gw: Gateway, title: str) -> str | None:
    listing = await gw.ok("GET", "/api/proposals?sort=latest&limit=50")
    return next((p["id"] for p in listing["items"] if p["title"] == title), None)


async def test_kill_between_commit_and_publish_publishes_exactly_once(
    cluster: Cluster, gw: Gateway, infra: Any
) -> None:
    author = await gw.citizen()
    cluster.restart("proposal-svc", {"GONGNON_FAULT_POINT": "outbox.before_publish"})
    title = BODY["title"]
    pid = await _submit_until_killed(cluster, gw, author, BODY)
    proc = cluster.procs["proposal-svc"]
    assert proc.popen.returncode == -9, "proposal-svc should have been killed at the fault point"

    cluster.start_service("proposal-svc")  # no fault this time
    pid = pid or await eventually(lambda: _find_by_title(gw, title), what="proposal persisted before the crash")

    await eventually(
        lambda: _nonempty(_submitted_async(infra.kafka_bootstrap, pid)), what="event published after restart"
    )
    # voting-svc consumed it: the ballot opened.
    await eventually(lambda: _ok(gw, f"/api/proposals/{pid}/tally"), what="ballot opened downstream")
    # Exactly once on the topic, even after the relay has had more rounds.
    await gw.ok("POST", "/api/proposals", author, {**BODY, "title": "재시작 후 다른 제안 하나 더"})
    await asyncio.sleep(1.0)
    events = await read_topic(infra.kafka_bootstrap, TOPIC)
    assert len(_submitted(events, pid)) == 1


async def test_kill_after_publish_before_mark_is_applied_once(cluster: Cluster, gw: Gateway, infra: Any) -> None:
    """The other crash window: Kafka has the event but the outbox row is not marked. The relay
    sends it again with the same event id, and every consumer applies it once."""
    author = await gw.citizen()
    cluster.restart("proposal-svc", {"GONGNON_FAULT_POINT": "outbox.after_publish"})
    title = "재전송되어도 한 번만 반영되는 제안"
    pid = await _submit_until_killed(cluster, gw, author, {**BODY, "title": title})
    proc = cluster.procs["proposal-svc"]
    assert proc.popen.returncode == -9
    cluster.start_service("proposal-svc")
    pid = pid or await eventually(lambda: _find_by_title(gw, title), what="proposal persisted")

    copies = await eventually(
        lambda: _at_least(_submitted_async(infra.kafka_bootstrap, pid), 2), what="event re-sent after restart"
    )
    assert len({e["id"] for e in copies}) == 1, "a re-send keeps the event id"
    # The timeline (proposal-svc's own), the ballot (voting-svc) and the follow (notify-svc) are single.
    await eventually(lambda: _ok(gw, f"/api/proposals/{pid}/tally"), what="ballot")
    timeline = await gw.ok("GET", f"/api/proposals/{pid}/timeline")
    assert sum(1 for e in timeline["items"] if e["kind"] == "proposal.submitted") == 1


async def _submit_until_killed(cluster: Cluster, gw: Gateway, author: Any, body: dict[str, Any]) -> str | None:
    """Submit once it is accepted, then wait for the fault point to kill proposal-svc. A request that
    fails before proposal-svc saw it (e.g. the gateway's pooled connection to the process that was
    just replaced) is simply sent again; the response of the accepted one may be lost to the kill,
    and then the process's exit says it was accepted."""
    proc = cluster.procs["proposal-svc"]
    pid: str | None = None
    for _ in range(20):
        try:
            resp = await gw.req("POST", "/api/proposals", author, body)
        except aiohttp.ClientError:
            # The test's own connection to the gateway failed (the gateway answers for a dead
            # proposal-svc with a 5xx, not a dropped connection): nothing says it was accepted.
            if proc.popen.poll() is not None:
                break
            await asyncio.sleep(0.3)
            continue
        if resp.status == 201:
            pid = resp.body["id"]
            break
        if proc.popen.poll() is not None:
            break
        await asyncio.sleep(0.3)
    await asyncio.get_running_loop().run_in_executor(None, proc.popen.wait, 30)
    return pid


async def _submitted_async(bootstrap: str, pid: str) -> list[dict[str, Any]]:
    return _submitted(await read_topic(bootstrap, TOPIC), pid)


async def _nonempty(coro: Any) -> Any:
    return await coro or None


async def _at_least(coro: Any, n: int) -> Any:
    found = await coro
    return found if len(found) >= n else None


async def _ok(gw: Gateway, path: str) -> bool:
    return (await gw.req("GET", path)).status == 200
