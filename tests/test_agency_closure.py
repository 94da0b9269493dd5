"""Closing an agency across the real processes: a super admin closes it, and at once its API keys
are refused (revoked, their usage kept), it takes no new items, subscriptions or Kafka
credentials; the gateway's consumer of `agency.closed` removes its Kafka SCRAM user and ACLs,
notify-svc's pauses its webhook subscriptions (another agency's keep delivering); its items stay
in the host's list and its own archive. Closing again changes nothing."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.support import PASSWORD, Gateway, User, eventually, webhook_receiver_process
from tests.test_webhooks import Receiver

RUN = os.urandom(3).hex()
AGENCY = f"closing-{RUN}"


@pytest.fixture(scope="module")
def receiver() -> Iterator[int]:
    with webhook_receiver_process() as port:
        yield port


async def _key_call(gw: Gateway, path: str, key: str) -> tuple[int, Any]:
    async with gw.s.get(f"{gw.base}{path}", headers={"X-Api-Key": key}) as r:
        return r.status, await r.json(content_type=None)


async def _propose(gw: Gateway, author: User, agency: str, n: int) -> tuple[int, Any]:
    body = {
        "title": f"폐쇄 기관 시험 제안 {n}번 {RUN}",
        "body": "기관이 공간을 닫은 뒤에도 제안이 보관되는지 확인하는 제안입니다.",
        "category": "culture",
        "agency": agency,
    }
    r = await gw.req("POST", "/api/proposals", author, body)
    return r.status, r.body


def _delivered(rx: Receiver, name: str, item_id: str) -> Callable[[], Awaitable[bool]]:
    return lambda: _submitted_to(rx, name, item_id)


async def _submitted_to(rx: Receiver, name: str, item_id: str) -> bool:
    return any(d["status"] == 204 and d["event"]["item_id"] == item_id for d in await rx.got(name))


async def test_closing_an_agency_ends_its_keys_kafka_user_webhooks_and_new_items(gw: Gateway, receiver: int) -> None:
    root = await gw.admin()
    await gw.ok("POST", "/api/agencies", root, {"id": AGENCY, "name_ko": "닫히는 재단", "name_en": "Closing"})
    email = f"admin-{AGENCY}@test.local"
    await gw.ok(
        "POST",
        "/api/admin/accounts",
        root,
        {"email": email, "password": PASSWORD, "display_name": "관리자", "role": "agency_admin", "agency": AGENCY},
    )
    boss = await gw.login(email)
    author = await gw.citizen("보관 제안자")
    status, kept = await _propose(gw, author, AGENCY, 1)
    assert status == 201, kept

    # Its system's key works; it has Kafka credentials (when Kafka has the agencies' listener).
    key_body = {"name": "닫히는 시스템", "scopes": ["read", "subscriptions"], "rate_limit_per_min": 60_000}
    created = await gw.ok("POST", f"/api/agencies/{AGENCY}/api-keys", boss, key_body)
    key = created["key"]
    assert (await _key_call(gw, "/api/feed?limit=1", key))[0] == 200
    kafka = (await gw.req("GET", f"/api/agencies/{AGENCY}/kafka-credentials", root)).status != 503
    if kafka:
        await gw.ok("POST", f"/api/agencies/{AGENCY}/kafka-credentials", boss)
        assert (await gw.ok("GET", f"/api/agencies/{AGENCY}/kafka-credentials", root))["active"] is True

    # Two subscriptions to every public item: the closing agency's (made by its key) and Seoul's.
    rx = Receiver(gw, receiver)
    closing_hook, seoul_hook = f"closing-{RUN}", f"seoul-{RUN}"
    async with gw.s.post(
        f"{gw.base}/api/agencies/{AGENCY}/subscriptions",
        json={"url": rx.url(closing_hook), "scope": "all"},
        headers={"X-Api-Key": key},
    ) as made:
        assert made.status == 201, await made.text()
        sub = await made.json()
    await gw.ok("POST", "/api/agencies/seoul/subscriptions", root, {"url": rx.url(seoul_hook), "scope": "all"})
    status, before = await _propose(gw, author, "seoul", 2)
    assert status == 201, before
    for hook in (closing_hook, seoul_hook):
        await eventually(_delivered(rx, hook, before["id"]), timeout=60, what=f"delivery to {hook}")

    closed = await gw.ok("POST", f"/api/agencies/{AGENCY}/close", root)
    assert (closed["status"], closed["closed_at"] is not None) == ("closed", True)

    # At once: the key is refused (revoked, still listed, its use kept); nothing new is taken.
    status, refused = await _key_call(gw, "/api/feed?limit=1", key)
    assert (status, refused["error"]["code"]) == (401, "api_key_revoked")
    [listed] = (await gw.ok("GET", f"/api/agencies/{AGENCY}/api-keys", root))["items"]
    assert (listed["id"], listed["status"]) == (created["id"], "revoked")
    usage = await gw.ok("GET", f"/api/agencies/{AGENCY}/api-keys/{created['id']}/usage?days=1", root)
    assert usage["requests"] >= 2
    status, body = await _propose(gw, author, AGENCY, 3)
    assert (status, body["error"]["code"]) == (409, "agency_closed")
    r = await gw.req("POST", f"/api/agencies/{AGENCY}/subscriptions", root, {"url": rx.url("late"), "scope": "all"})
    assert (r.status, r.body["error"]["code"]) == (409, "agency_closed")
    r = await gw.req("POST", f"/api/agencies/{AGENCY}/api-keys", root, key_body)
    assert (r.status, r.body["error"]["code"]) == (409, "agency_closed")

    # The gateway's consumer of agency.closed removes the Kafka user and its ACLs.
    if kafka:
        r = await gw.req("POST", f"/api/agencies/{AGENCY}/kafka-credentials", boss)
        assert (r.status, r.body["error"]["code"]) == (409, "agency_closed")

        async def kafka_gone() -> bool:
            state = await gw.ok("GET", f"/api/agencies/{AGENCY}/kafka-credentials", root)
            return state["active"] is False and state["acls"] == []

        await eventually(kafka_gone, timeout=60, what="the closed agency's Kafka user and ACLs removed")

    # notify-svc's consumer of agency.closed pauses the subscription: still listed, with its status,
    # it cannot be replayed, and the next public event reaches Seoul's receiver but not the closed
    # agency's.
    async def paused() -> bool:
        subs = await gw.ok("GET", f"/api/agencies/{AGENCY}/subscriptions", root)
        return {s["id"]: s["status"] for s in subs["items"]}.get(sub["id"]) == "paused"

    await eventually(paused, timeout=60, what="the closed agency's subscription paused")
    assert (await gw.ok("GET", f"/api/agencies/{AGENCY}/subscriptions/{sub['id']}", root))["status"] == "paused"
    r = await gw.req("POST", f"/api/agencies/{AGENCY}/subscriptions/{sub['id']}/replay", root, {"from_seq": 1})
    assert (r.status, r.body["error"]["code"]) == (409, "subscription_paused")
    status, after = await _propose(gw, author, "seoul", 4)
    assert status == 201, after
    await eventually(lambda: _submitted_to(rx, seoul_hook, after["id"]), timeout=60, what="Seoul still delivered")
    assert not await _submitted_to(rx, closing_hook, after["id"])

    # Its items stay: in the host's list, in its own archive, readable.
    assert kept["id"] in {p["id"] for p in (await gw.ok("GET", "/api/proposals?limit=100"))["items"]}
    assert kept["id"] in {p["id"] for p in (await gw.ok("GET", f"/api/proposals?agency={AGENCY}"))["items"]}
    assert (await gw.ok("GET", f"/api/proposals/{kept['id']}"))["agency"] == AGENCY
    page = await gw.req("GET", f"/a/{AGENCY}/")
    assert page.status == 200
    assert kept["title"] in page.body

    # Closing again changes nothing.
    again = await gw.ok("POST", f"/api/agencies/{AGENCY}/close", root)
    assert again["closed_at"] == closed["closed_at"]
