"""notify-svc's public stream against real Kafka, MongoDB and Redis: batches given to the projector
become numbered public events, on the outbox (Kafka) and in the feed; webhook lanes deliver them
signed to a receiver (in this process here; tests/test_webhooks.py runs it in its own)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import ProposalSubmitted, ReviewCaseOpened, TallyUpdated
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.public_events import PUBLIC_TOPIC
from gongnon_infra import webhook_receiver
from gongnon_infra.procs import free_port
from notify_svc.bootstrap import Components, build_app
from notify_svc.service_layer.agency_closure import AgencyClosure
from notify_svc.settings import NotifySettings
from notify_svc.webhooks import signing
from notify_svc.webhooks.repository import SubscriptionRepository

T0 = datetime.now(UTC) - timedelta(minutes=5)
# An agency of this run alone: the service under test also projects what other modules left on the
# shared Kafka (a new consumer group reads from the start), and their items are Seoul's.
HOME = f"home-{uuid.uuid4().hex[:8]}"
ADMIN = Actor(account_id="acc_admin", role=ActorRole.AGENCY_ADMIN, agency=HOME)
OTHER_ADMIN = Actor(account_id="acc_admin_b", role=ActorRole.AGENCY_ADMIN, agency="busan")
KEY = Actor(account_id="key:k1", role=ActorRole.AGENCY_SYSTEM, agency=HOME, key_id="k1", scopes=("subscriptions",))
READ_ONLY_KEY = Actor(account_id="key:k2", role=ActorRole.AGENCY_SYSTEM, agency=HOME, key_id="k2", scopes=("read",))


@dataclass
class Stream:
    app: FastAPI
    http: httpx.AsyncClient
    receiver: str
    kafka_bootstrap: str

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def project(self, *envs: Envelope) -> int:
        return await self.parts.projector.apply([e.model_dump(mode="json") for e in envs])

    async def call(self, method: str, path: str, actor: Actor | None = ADMIN, **kw: Any) -> httpx.Response:
        headers = actor.header() if actor else {}
        return await self.http.request(method, path, headers=headers, **kw)


@pytest.fixture(scope="module")
async def stream(infra: Any) -> AsyncIterator[Stream]:
    port = free_port()
    runner = web.AppRunner(webhook_receiver.build())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    settings = NotifySettings(
        SERVICE_NAME=f"notify-public-{uuid.uuid4().hex[:6]}",
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_TEST_MODE=True,
    )
    app = build_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify") as http,
    ):
        s = Stream(app, http, f"http://127.0.0.1:{port}", infra.kafka_bootstrap)
        await caught_up(s)
        yield s
    await runner.cleanup()


async def caught_up(s: Stream, quiet_s: float = 2.0, timeout_s: float = 90.0) -> None:
    """The projector's fresh group starts at the broker's earliest records: items other test
    modules published before this one. Wait until it has projected them (the head stops moving),
    so the tests here see only their own events after the head they read."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last, since = None, loop.time()
    while loop.time() < deadline:
        head = (await s.call("GET", "/public-events", params={"after": 2**53, "scope": "all"})).json()["head"]
        if head != last:
            last, since = head, loop.time()
        elif loop.time() - since >= quiet_s:
            return
        await asyncio.sleep(0.2)


def wrap(data: EventData, agency: str = HOME, minutes: int = 0) -> Envelope:
    return Envelope.wrap(data, source="test", agency=agency, time=T0 + timedelta(minutes=minutes))


def submitted(item: str, agency: str = HOME) -> Envelope:
    return wrap(
        ProposalSubmitted(
            item_id=item,
            title="공공자전거 대여소를 늘려 주세요",
            category="transport",
            district="jongno",
            author_account="acc_author_1",
            author_role=ActorRole.CITIZEN,
            rule_set_id="democracy-seoul-2019",
            listed=True,
            author_name="자전거시민",
        ),
        agency,
    )


def tally(item: str, total: int, seq: int) -> Envelope:
    return wrap(TallyUpdated(item_id=item, kind="support", total=total, as_of=T0, seq=seq), minutes=1)


async def received(s: Stream, name: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as c,
        c.get(f"{s.receiver}/_received", params={"name": name, "bodies": "1"}) as r,
    ):
        data = await r.json()
    return list(data[name]["full"])


async def until(fn: Any, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fn()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_projected_events_are_numbered_recorded_once_and_published_on_kafka_in_order(stream: Stream) -> None:
    item = f"pr_{uuid.uuid4().hex[:8]}"
    env = submitted(item)
    last = await stream.project(env, tally(item, 2, 1), tally(item, 5, 2))
    assert last > 0
    # Redelivered: nothing new.
    assert await stream.project(env) == 0
    db = stream.parts.runtime.db
    docs = await db.public_events.find({"item_id": item}).sort("seq", 1).to_list(None)
    assert [d["type"] for d in docs] == ["item.submitted", "item.supports_counted"]
    assert docs[1]["event"]["data"]["total"] == 5
    assert docs[1]["seq"] == docs[0]["seq"] + 1 == last
    assert "acc_author_1" not in str(docs)
    # The relay publishes them on gongnon.public, keyed by item, in seq order, and moves its cursor.
    relay = stream.parts.relay
    assert await until(lambda: _past(relay.cursor(), last))
    on_kafka = await _public_records(stream.kafka_bootstrap, item, 2)
    assert [(key, value["seq"], value["type"]) for key, value in on_kafka] == [
        (item, d["seq"], d["type"]) for d in docs
    ]


async def _past(cursor: Any, seq: int) -> bool:
    return bool(await cursor >= seq)


async def _public_records(bootstrap: str, item: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    """The first `count` records of one item on the public topic (read from the beginning)."""
    consumer = AIOKafkaConsumer(PUBLIC_TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[tuple[str, dict[str, Any]]] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.key == item.encode():
                        found.append((r.key.decode(), json.loads(r.value)))
    finally:
        await consumer.stop()
    return found


async def test_feed_pages_by_cursor_with_scope_and_types(stream: Stream) -> None:
    head = (await stream.call("GET", "/public-events", params={"after": 2**53})).json()["head"]
    ours, theirs = f"pr_{uuid.uuid4().hex[:8]}", f"pr_{uuid.uuid4().hex[:8]}"
    await stream.project(submitted(ours), submitted(theirs, agency="busan"), tally(ours, 1, 1))
    own = (await stream.call("GET", "/public-events", params={"after": head})).json()
    assert [(e["item_id"], e["type"]) for e in own["items"]] == [
        (ours, "item.submitted"),
        (ours, "item.supports_counted"),
    ]
    every = (await stream.call("GET", "/public-events", params={"after": head, "scope": "all", "limit": 1})).json()
    assert len(every["items"]) == 1
    assert every["has_more"]
    rest = (
        await stream.call(
            "GET", "/public-events", params={"after": every["next_cursor"], "scope": "all", "types": "item.submitted"}
        )
    ).json()
    assert [e["item_id"] for e in rest["items"]] == [theirs]
    seqs = [e["seq"] for e in every["items"] + rest["items"]]
    assert seqs == sorted(seqs)
    # An agency system with the read scope may read it; a citizen may not; unknown types are refused.
    assert (await stream.call("GET", "/public-events", READ_ONLY_KEY)).status_code == 200
    citizen = Actor(account_id="c1", role=ActorRole.CITIZEN, citizen_key="ck1")
    assert (await stream.call("GET", "/public-events", citizen)).status_code == 403
    assert (await stream.call("GET", "/public-events", params={"types": "vote.cast"})).status_code == 422


async def test_a_subscription_gets_signed_deliveries_in_order_and_only_its_scope(stream: Stream) -> None:
    name = f"s{uuid.uuid4().hex[:6]}"
    created = await stream.call(
        "POST", f"/agencies/{HOME}/subscriptions", KEY, json={"url": f"{stream.receiver}/hooks/{name}"}
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    ours, theirs = f"pr_{uuid.uuid4().hex[:8]}", f"pr_{uuid.uuid4().hex[:8]}"
    case = wrap(
        ReviewCaseOpened(
            case_id=f"case_{ours}",
            item_id=ours,
            department_id="dept-transport",
            department_name="교통정책과",
            due_at=T0 + timedelta(days=20),
            reason="공감 50개 달성",
        ),
        minutes=2,
    )
    await stream.project(submitted(ours), submitted(theirs, agency="busan"), tally(ours, 3, 1))
    await stream.project(case)

    async def all_in() -> list[dict[str, Any]] | None:
        got = await received(stream, name)
        return got if len(got) >= 4 else None

    got = await until(all_in)
    await asyncio.sleep(0.3)
    got = await received(stream, name)
    events = [json.loads(g["body"]) for g in got]
    assert [e["type"] for e in events] == [
        "item.submitted",
        "item.supports_counted",
        "review.case_opened",
        "item.stage_changed",
    ]
    assert {e["item_id"] for e in events} == {ours}  # scope own: not busan's item
    for g, e in zip(got, events, strict=True):
        assert signing.verify(sub["secret"], g["headers"], g["body"].encode()) == e["id"]

    async def logged() -> dict[str, Any] | None:
        # Written behind the deliveries, a page or a few at a time.
        log = (await stream.call("GET", f"/agencies/{HOME}/subscriptions/{sub['id']}/deliveries", KEY)).json()
        return log if len(log["items"]) >= len(events) else None

    log = await until(logged)
    assert sorted(e["seq"] for e in log["items"]) == [e["seq"] for e in events]
    assert all(e["status"] == "delivered" and e["attempts"] == 1 for e in log["items"])
    # Another agency's admin sees none of it.
    other = await stream.call("GET", f"/agencies/{HOME}/subscriptions/{sub['id']}", OTHER_ADMIN)
    assert other.status_code == 403
    assert (await stream.call("GET", f"/agencies/busan/subscriptions/{sub['id']}", OTHER_ADMIN)).status_code == 404


async def test_a_subscription_made_while_its_agency_closes_pauses_itself(stream: Stream) -> None:
    """The gateway refuses subscriptions of a closed agency, but one can pass its check while the
    closing is under way: if notify-svc has recorded the closing first, the new subscription pauses
    itself and the request is refused; if not, the closing pauses it with the others."""
    agency = f"closing-{uuid.uuid4().hex[:8]}"
    admin = Actor(account_id="acc_admin_2", role=ActorRole.AGENCY_ADMIN, agency=agency)
    body = {"url": f"{stream.receiver}/hooks/closing", "scope": "all"}
    before = (await stream.call("POST", f"/agencies/{agency}/subscriptions", admin, json=body)).json()
    parts = stream.parts
    closure = AgencyClosure(SubscriptionRepository(parts.runtime.db), parts.dispatcher)
    paused = await parts.runtime.store.transaction(lambda tx: closure.closed(tx, agency, T0))
    assert paused == [before["id"]]
    assert await parts.runtime.store.transaction(lambda tx: closure.closed(tx, agency, T0)) == []  # redelivered

    r = await stream.call("POST", f"/agencies/{agency}/subscriptions", admin, json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "agency_closed")
    listed = (await stream.call("GET", f"/agencies/{agency}/subscriptions", admin)).json()["items"]
    assert [s["status"] for s in listed] == ["paused", "paused"]
    assert not any(lane in parts.dispatcher.lanes for lane in (s["id"] for s in listed))
