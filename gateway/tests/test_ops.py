"""Test mode (the platform clock) and the home page's live counters projection."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.clock import CLOCK_KEY, set_test_offset
from gongnon_chassis.consumer import EventConsumer
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import MilestoneReached, ProposalSubmitted, VotesRecorded
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_gateway.counters import read_counters

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    services.on("POST", "/_test/clock/refresh", (200, {"offset_s": 0, "now": NOW.isoformat()}))
    services.on("GET", "/proposals", (200, {"items": [], "next_cursor": None}))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-ops", urls, test_mode=True) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


@pytest.fixture
async def restore_clock(app: FastAPI) -> AsyncIterator[float]:
    """The offset lives in the shared Redis: put it back so other test modules are unaffected."""
    redis = app.state.gateway.runtime.redis
    raw = await redis.get(CLOCK_KEY)
    before = float(raw) if raw else 0.0
    yield before
    await set_test_offset(redis, before)


async def test_clock_advances_every_process(
    client: httpx.AsyncClient, services: Any, restore_clock: float, app: FastAPI
) -> None:
    refreshes = len(services.calls("POST", "/_test/clock/refresh"))
    r = await client.post("/api/_test/clock", json={"advance_s": 3600})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["offset_s"] == pytest.approx(restore_clock + 3600)
    assert set(body["refreshed"]) == {"proposal-svc", "voting-svc", "review-svc", "notify-svc", "gateway"}
    assert set(body["refreshed"].values()) == {"ok"}
    # every service URL was told to re-read the offset (here they all point at one server)
    assert len(services.calls("POST", "/_test/clock/refresh")) == refreshes + 4
    # the gateway's own clock moved
    assert app.state.gateway.runtime.clock.offset_s == pytest.approx(restore_clock + 3600)
    assert datetime.fromisoformat(body["now"]) > datetime.now(UTC) + timedelta(seconds=3500)

    r = await client.post("/api/_test/clock", json={"advance_s": 60})
    assert r.json()["offset_s"] == pytest.approx(restore_clock + 3660)

    for bad in ({"advance_s": -5}, {"advance_s": "soon"}, {}):
        r = await client.post("/api/_test/clock", json=bad)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"


async def test_a_service_left_on_the_old_clock_is_an_error_until_it_reread(
    client: httpx.AsyncClient, services: Any, restore_clock: float
) -> None:
    """Processes on different offsets stamp one act with two times (a vote cast "after" the
    window its proposal opened with): the caller hears of it and asks again with advance_s 0."""
    services.on("POST", "/_test/clock/refresh", (503, {"error": {"code": "unavailable"}}), (200, {"offset_s": 0}))
    r = await client.post("/api/_test/clock", json={"advance_s": 600})
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "clock_not_refreshed"
    assert "status 503" in err["details"].values()
    assert err["details"]["gateway"] == "ok"
    r = await client.post("/api/_test/clock", json={"advance_s": 0})
    assert r.status_code == 200, r.text
    assert r.json()["offset_s"] == pytest.approx(restore_clock + 600)  # the offset was set the first time


async def test_sessions_survive_a_clock_jump(client: httpx.AsyncClient, kit: Any, restore_clock: float) -> None:
    token = await kit.register_and_login(client, "traveller@example.org")
    r = await client.post("/api/_test/clock", json={"advance_s": 30 * 86400})
    assert r.status_code == 200
    assert (await client.get("/api/me", headers=kit.bearer(token))).status_code == 200


def _consumer(app: FastAPI) -> EventConsumer:
    return next(c for c in app.state.gateway.runtime.consumers if c.name.endswith(".counters"))


def _env(data: EventData, agency: str = "seoul") -> Envelope:
    return Envelope.wrap(data, source="test", agency=agency, time=NOW)


def _submitted(item_id: str) -> ProposalSubmitted:
    return ProposalSubmitted(
        item_id=item_id,
        title="t",
        category="welfare",
        district=None,
        author_account="acc_1",
        author_role=ActorRole.CITIZEN,
        rule_set_id="democracy-seoul-2019",
        listed=True,
    )


def _milestone(item_id: str, action: RuleAction, threshold: int) -> MilestoneReached:
    return MilestoneReached(
        item_id=item_id,
        rule_id=f"r_{action.value}",
        rule_set_id="democracy-seoul-2019",
        metric=Metric.SUPPORTS,
        threshold=threshold,
        value=threshold,
        action=action,
        due_days=20,
        category="welfare",
        title="t",
        reached_at=NOW,
    )


def _recorded(agency: str, by_kind: dict[str, int]) -> VotesRecorded:
    return VotesRecorded(agency=agency, by_kind=by_kind, items=len(by_kind))


async def test_counters_count_each_fact_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    consumer = _consumer(app)
    db = app.state.gateway.runtime.db
    # Its own agency and items: other test modules publish real events to the same topics.
    agency = f"ops-test-{os.urandom(4).hex()}"
    c1, c2 = f"p_c1{os.urandom(3).hex()}", f"p_c2{os.urandom(3).hex()}"
    start = await read_counters(db, agency)

    submitted = _env(_submitted(c1), agency)
    await consumer.dispatch(submitted.model_dump(mode="json"))
    await consumer.dispatch(submitted.model_dump(mode="json"))  # redelivered
    await consumer.dispatch(_env(_submitted(c1), agency).model_dump(mode="json"))  # same fact, new event id
    await consumer.dispatch(_env(_submitted(c2), agency).model_dump(mode="json"))

    # Two ledger batches (one redelivered) and a choice vote's batch.
    first = _env(_recorded(agency, {"support": 30}), agency).model_dump(mode="json")
    await consumer.dispatch(first)
    await consumer.dispatch(first)
    await consumer.dispatch(_env(_recorded(agency, {"support": 5, "choice": 4}), agency).model_dump(mode="json"))
    await consumer.dispatch(_env(_recorded(agency, {"choice": 9}), agency).model_dump(mode="json"))

    for action, threshold in [
        (RuleAction.DEPARTMENT_ANSWER, 50),
        (RuleAction.DEPARTMENT_ANSWER, 50),
        (RuleAction.DEBATE_CANDIDATE, 500),
    ]:
        await consumer.dispatch(_env(_milestone(c1, action, threshold), agency).model_dump(mode="json"))

    now = await read_counters(db, agency)
    assert now.proposals - start.proposals == 2
    assert now.supports - start.supports == 35
    assert now.supported - start.supported == 1
    assert now.debates - start.debates == 1

    # The home page shows the host agency's counters as they stand. Events of other test modules
    # may move Seoul's counters meanwhile: judge a page only if they stood still around it.
    for _ in range(20):
        seoul = await read_counters(db, "seoul")
        home = await client.get("/")
        if await read_counters(db, "seoul") == seoul:
            break
    assert home.status_code == 200
    assert f"<strong>{seoul.supports:,}</strong>누적 공감" in home.text


async def test_counters_follow_events_through_kafka(app: FastAPI) -> None:
    rt = app.state.gateway.runtime
    agency = f"kafka-test-{os.urandom(4).hex()}"  # other test modules publish to the same topics
    env = _env(_submitted(f"p_k{os.urandom(4).hex()}"), agency=agency)
    await rt.producer.send(env.topic(), env.subject, env.model_dump(mode="json"))
    for _ in range(600):
        if (await read_counters(rt.db, agency)).proposals == 1:
            break
        await asyncio.sleep(0.1)
    assert (await read_counters(rt.db, agency)).proposals == 1
