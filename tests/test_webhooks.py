"""Webhooks across real processes over real Kafka: an agency's receiver, running in a process of
its own, subscribes through the gateway and gets the civic loop's public events — each exactly
once by webhook-id, signed the Standard Webhooks way, in order per item, with no private field;
then it fails for a while and recovers, and nothing is lost. Also: dead letters, a redelivery by
hand, a replay from a seq, and who may manage subscriptions."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from notify_svc.webhooks import signing
from tests.support import Gateway, User, eventually, webhook_receiver_process

RUN = os.urandom(3).hex()
PROPOSAL = {
    "title": "버스 정류장 온열 의자를 늘려 주세요",
    "body": "겨울 아침 버스를 기다리는 어르신과 학생들이 추위에 떱니다. 정류장마다 온열 의자를 설치해 주세요.",
    "category": "welfare",
    "district": "mapo",
    "hashtags": ["정류장", "겨울"],
}
LOOP_TYPES = {
    "item.submitted",
    "item.supports_counted",
    "item.support_milestone",
    "review.case_opened",
    "review.answer_published",
    "item.stage_changed",
}


class Receiver:
    """The receiver process: python -m gongnon_infra.webhook_receiver."""

    def __init__(self, gw: Gateway, port: int) -> None:
        self.gw = gw
        self.base = f"http://127.0.0.1:{port}"

    def url(self, name: str) -> str:
        return f"{self.base}/hooks/{name}"

    async def mode(self, name: str, mode: str) -> None:
        async with self.gw.s.post(f"{self.base}/_mode", json={"name": name, "mode": mode}) as r:
            assert r.status == 200

    async def got(self, name: str) -> list[dict[str, Any]]:
        """Every request the receiver had for `name`: headers, body (parsed), status it answered."""
        async with self.gw.s.get(f"{self.base}/_received", params={"name": name, "bodies": "1"}) as r:
            data = await r.json()
        return [{**d, "event": json.loads(d["body"])} for d in data[name]["full"]]


@pytest.fixture(scope="module")
def receiver_port() -> Iterator[int]:
    with webhook_receiver_process() as port:
        yield port


async def agency_system(gw: Gateway, admin: User, *scopes: str) -> str:
    """An API key of the agency's own system (its admin makes it): the key is its whole credential."""
    body = {"name": f"기관 시스템 {RUN}", "scopes": list(scopes), "rate_limit_per_min": 60_000}
    key: str = (await gw.ok("POST", "/api/agencies/seoul/api-keys", admin, body))["key"]
    assert key.startswith("gk_")
    return key


async def subscribe(gw: Gateway, who: User | str, url: str, **extra: Any) -> dict[str, Any]:
    sub: dict[str, Any] = await gw.ok("POST", "/api/agencies/seoul/subscriptions", who, {"url": url, **extra})
    assert sub["secret"].startswith("whsec_")
    return sub


def delivered(got: list[dict[str, Any]], item_id: str) -> list[dict[str, Any]]:
    """The deliveries the receiver accepted for one item, in arrival order."""
    return [d for d in got if d["status"] == 204 and d["event"]["item_id"] == item_id]


def check_signed(deliveries: list[dict[str, Any]], secret: str) -> None:
    for d in deliveries:
        h = d["headers"]
        assert signing.verify(secret, h, d["body"].encode()) == h["webhook-id"] == d["event"]["id"]
        assert h["content-type"] == "application/json"


async def test_an_agency_receives_the_civic_loop_once_each_signed_and_survives_a_failing_receiver(
    gw: Gateway, receiver_port: int
) -> None:
    rx = Receiver(gw, receiver_port)
    # The agency's system subscribes with its API key (scope `subscriptions`), as it would in production.
    key = await agency_system(gw, await gw.staff("agency_admin"), "subscriptions")
    sub = await subscribe(gw, key, rx.url("loop"), scope="own", description="기관 시스템")
    secret = sub["secret"]
    assert "secret" not in await gw.ok("GET", f"/api/agencies/seoul/subscriptions/{sub['id']}", key)

    # The civic loop, through the gateway: proposal → 50 supports → department case → answer.
    author = await gw.citizen("온열의자제안자")
    pid = (await gw.ok("POST", "/api/proposals", author, PROPOSAL))["id"]
    supporters = await asyncio.gather(*(gw.citizen() for _ in range(50)))
    await eventually(lambda: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open")
    results = await asyncio.gather(*(gw.req("POST", f"/api/proposals/{pid}/support", s) for s in supporters))
    assert [r.status for r in results] == [201] * 50
    cases = await eventually(lambda: _cases(gw, pid), timeout=60, what="review case")
    case_id = cases[0]["id"]
    officer = await gw.staff("officer", cases[0]["department_id"])
    operator = await gw.staff("operator")
    await gw.ok(
        "POST",
        f"/api/review/cases/{case_id}/answer",
        officer,
        {"decision": "partial", "answer": "일부 정류장부터 설치하겠습니다.", "reason": "예산 범위 안에서 우선 설치"},
    )
    await gw.ok("POST", f"/api/review/cases/{case_id}/approve", operator)

    async def loop_done() -> list[dict[str, Any]] | None:
        mine = delivered(await rx.got("loop"), pid)
        stages = [d["event"]["data"]["stage"] for d in mine if d["event"]["type"] == "item.stage_changed"]
        counted = [d["event"]["data"]["total"] for d in mine if d["event"]["type"] == "item.supports_counted"]
        ok = {d["event"]["type"] for d in mine} >= LOOP_TYPES and "answered" in stages and 50 in counted
        return mine if ok else None

    mine = await eventually(loop_done, timeout=90, what="the civic loop's public events at the receiver")
    ids = [d["headers"]["webhook-id"] for d in mine]
    assert len(ids) == len(set(ids)), "an event was accepted twice"
    check_signed(mine, secret)
    seqs = [d["event"]["seq"] for d in mine]
    assert seqs == sorted(seqs), "one item's events arrive in seq order"
    by_type = {d["event"]["type"]: d["event"] for d in mine}
    assert by_type["item.submitted"]["data"]["author_name"] == "온열의자제안자"
    assert by_type["review.answer_published"]["data"]["decision"] == "partial"
    assert [d["event"]["data"]["stage"] for d in mine if d["event"]["type"] == "item.stage_changed"] == [
        "review",
        "answered",
    ]
    totals = [d["event"]["data"]["total"] for d in mine if d["event"]["type"] == "item.supports_counted"]
    assert totals == sorted(totals)
    assert totals[-1] == 50
    # Public fields only: no account id, no citizen key or phone of anyone involved.
    text = json.dumps([d["event"] for d in mine], ensure_ascii=False)
    for user in [author, *supporters, officer, operator]:
        assert user.account["id"] not in text
    assert "010-" not in text

    # The receiver fails for a while, then recovers: the next proposal's events still arrive, once each.
    await rx.mode("loop", "fail")
    second = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": "정류장 온열 의자 두 번째 제안"}))[
        "id"
    ]
    await eventually(lambda: _status(gw, f"/api/proposals/{second}/tally", 200), what="second ballot open")
    for s in supporters[:3]:
        assert (await gw.req("POST", f"/api/proposals/{second}/support", s)).status == 201

    async def failed_a_few() -> bool:
        refused = [d for d in await rx.got("loop") if d["event"]["item_id"] == second and d["status"] == 500]
        return len(refused) >= 3

    await eventually(failed_a_few, timeout=30, what="failed attempts while the receiver answers 500")
    await rx.mode("loop", "ok")

    async def recovered() -> list[dict[str, Any]] | None:
        got = delivered(await rx.got("loop"), second)
        counted = [d["event"]["data"]["total"] for d in got if d["event"]["type"] == "item.supports_counted"]
        return got if any(d["event"]["type"] == "item.submitted" for d in got) and 3 in counted else None

    after = await eventually(recovered, timeout=60, what="deliveries after the receiver recovered")
    after_ids = [d["headers"]["webhook-id"] for d in after]
    assert len(after_ids) == len(set(after_ids))
    check_signed(after, secret)
    # What the receiver refused is exactly what it later accepted: nothing lost, nothing extra.
    refused_ids = {
        d["headers"]["webhook-id"]
        for d in await rx.got("loop")
        if d["event"]["item_id"] == second and d["status"] == 500
    }
    assert refused_ids <= set(after_ids)

    # The delivery log shows each event with its status, attempts and latency.
    wanted = {d["headers"]["webhook-id"] for d in [*mine, *after]}

    async def written() -> dict[str, Any] | None:
        # The log is written behind the deliveries, a page or a few at a time.
        log = await gw.ok("GET", f"/api/agencies/seoul/subscriptions/{sub['id']}/deliveries?limit=500", key)
        lines = {e["event_id"]: e for e in log["items"]}
        return lines if wanted <= lines.keys() else None

    logged = await eventually(written, what="the delivery log")
    for d in [*mine, *after]:
        line = logged[d["headers"]["webhook-id"]]
        assert line["status"] == "delivered"
        assert line["latency_ms"] >= 0
    assert max(logged[i]["attempts"] for i in refused_ids) >= 2


async def test_dead_letters_are_redelivered_by_hand_and_replayed_from_a_seq(gw: Gateway, receiver_port: int) -> None:
    rx = Receiver(gw, receiver_port)
    admin = await gw.staff("agency_admin")
    sub = await subscribe(gw, admin, rx.url("dead"), types=["item.submitted"])
    base = f"/api/agencies/seoul/subscriptions/{sub['id']}"
    await rx.mode("dead", "fail")
    author = await gw.citizen()
    pid = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": "받는 쪽이 계속 실패하는 제안"}))["id"]

    async def dead_letter() -> dict[str, Any] | None:
        dead = await gw.ok("GET", f"{base}/deliveries?status=dead", admin)
        return next((e for e in dead["items"] if e["item_id"] == pid), None)

    # Test mode gives up after 6 attempts with waits of at most 0.2, 0.4, 0.8, 1.6 and 2 s.
    letter = await eventually(dead_letter, timeout=60, what="the dead letter")
    assert letter["attempts"] == 6
    assert letter["status"] == "dead"
    assert letter["status_code"] == 500
    assert len([d for d in await rx.got("dead") if d["event"]["item_id"] == pid]) == 6

    await rx.mode("dead", "ok")
    again = await gw.ok("POST", f"{base}/deliveries/{letter['id']}/redeliver", admin)
    assert again["status"] == "delivered"
    assert again["status_code"] == 204
    ok = delivered(await rx.got("dead"), pid)
    assert [d["headers"]["webhook-id"] for d in ok] == [letter["event_id"]]
    check_signed(ok, sub["secret"])
    marked = await gw.ok("GET", f"{base}/deliveries?status=dead", admin)
    assert next(e for e in marked["items"] if e["item_id"] == pid)["redelivered_at"]

    # A replay from the event's seq sends it again under the same webhook-id.
    await gw.ok("POST", f"{base}/replay", admin, {"from_seq": letter["seq"]})

    async def replayed() -> list[dict[str, Any]] | None:
        got = delivered(await rx.got("dead"), pid)
        return got if len(got) >= 2 else None

    twice = await eventually(replayed, timeout=30, what="the replayed event")
    assert {d["headers"]["webhook-id"] for d in twice} == {letter["event_id"]}

    # Deleted: no more deliveries; the subscription is gone from the list.
    await gw.ok("DELETE", base, admin)
    listed = await gw.ok("GET", "/api/agencies/seoul/subscriptions", admin)
    assert sub["id"] not in {s["id"] for s in listed["items"]}


async def test_only_agency_managers_manage_subscriptions(gw: Gateway, receiver_port: int) -> None:
    url = f"http://127.0.0.1:{receiver_port}/hooks/nobody"
    citizen = await gw.citizen()
    assert (await gw.req("POST", "/api/agencies/seoul/subscriptions", None, {"url": url})).status == 401
    assert (await gw.req("POST", "/api/agencies/seoul/subscriptions", citizen, {"url": url})).status == 403
    admin = await gw.staff("agency_admin")
    assert (await gw.req("POST", "/api/agencies/busan/subscriptions", admin, {"url": url})).status == 403
    # An agency system needs the `subscriptions` scope, and only for its own agency.
    reader = await agency_system(gw, admin, "read")
    assert (await gw.req("POST", "/api/agencies/seoul/subscriptions", reader, {"url": url})).status == 403
    manager = await agency_system(gw, admin, "subscriptions")
    assert (await gw.req("GET", "/api/agencies/busan/subscriptions", manager)).status == 403
    assert (await gw.req("GET", "/api/agencies/seoul/subscriptions", manager)).status == 200
    bad = await gw.req("POST", "/api/agencies/seoul/subscriptions", admin, {"url": url, "types": ["vote.cast"]})
    assert bad.status == 422
    assert (await gw.req("GET", "/api/agencies/seoul/subscriptions/whs_missing", admin)).status == 404


async def _status(gw: Gateway, path: str, status: int) -> bool:
    return (await gw.req("GET", path)).status == status


async def _cases(gw: Gateway, pid: str) -> list[dict[str, Any]] | None:
    r = await gw.req("GET", f"/api/proposals/{pid}/cases")
    if r.status != 200:
        return None
    items = r.body if isinstance(r.body, list) else r.body.get("items", [])
    return items or None
