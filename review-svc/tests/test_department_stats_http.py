from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.settings import ServiceSettings
from gongnon_contracts import Envelope
from gongnon_contracts.events import MilestoneReached
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from review_svc.bootstrap import build_app

START = datetime(2026, 3, 2, tzinfo=UTC)
# An agency of its own: the service reads every milestone on the shared topic, other tests' too.
AGENCY = f"stats-{uuid.uuid4().hex[:8]}"
ADMIN = Actor(account_id="adm-s", role=ActorRole.AGENCY_ADMIN, agency=AGENCY)
OPERATOR = Actor(account_id="op-1", role=ActorRole.OPERATOR, agency=AGENCY)


@dataclass
class Review:
    http: httpx.AsyncClient
    clock: FixedClock
    deliver: Any


@pytest.fixture(scope="module")
async def review(infra: Any) -> AsyncIterator[Review]:
    name = f"review-stats-{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,
        SCHEDULER_INTERVAL_S=3600,
    )
    clock = FixedClock(START)
    app = build_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        consumer = app.state.components.consumer

        async def deliver(env: Envelope) -> None:
            await consumer.dispatch(env.model_dump(mode="json"))

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://review-svc") as client:
            yield Review(client, clock, deliver)


async def open_case(review: Review, *, category: str, due_days: int) -> dict[str, Any]:
    item = f"p-{uuid.uuid4().hex[:10]}"
    now = review.clock.now()
    data = MilestoneReached(
        item_id=item,
        rule_id="r-50",
        rule_set_id="democracy-seoul-2019",
        metric=Metric.SUPPORTS,
        threshold=50,
        value=50,
        action=RuleAction.DEPARTMENT_ANSWER,
        due_days=due_days,
        category=category,
        title="부서별 답변 현황 시험",
        reached_at=now,
    )
    await review.deliver(Envelope.wrap(data, source="proposal-svc", agency=AGENCY, time=now))
    (case,) = (await review.http.get(f"/items/{item}/cases")).json()["items"]
    assert isinstance(case, dict)
    return case


async def _answer(review: Review, case_id: str, officer: Any) -> None:
    body = {"decision": "accept", "answer": "수용합니다"}
    assert (await review.http.post(f"/cases/{case_id}/answer", json=body, headers=officer.header())).status_code == 200
    assert (await review.http.post(f"/cases/{case_id}/approve", headers=OPERATOR.header())).status_code == 200


async def _department(review: Review, name: str) -> str:
    r = await review.http.post(f"/agencies/{AGENCY}/departments", json={"name": name}, headers=ADMIN.header())
    assert r.status_code == 201, r.text
    department_id = r.json()["id"]
    assert isinstance(department_id, str)
    return department_id


async def test_per_department_answered_on_time_median_and_overdue(review: Review) -> None:
    welfare_id, transport_id = await _department(review, "복지정책과"), await _department(review, "교통정책과")
    mapping = {"map": {"welfare": welfare_id, "transport": transport_id}}
    r = await review.http.put(f"/agencies/{AGENCY}/category-map", json=mapping, headers=ADMIN.header())
    assert r.status_code == 200, r.text
    welfare_officer = Actor(account_id="off-w", role=ActorRole.OFFICER, department_id=welfare_id, agency=AGENCY)
    early = await open_case(review, category="welfare", due_days=10)
    review.clock.advance(timedelta(days=4))
    await _answer(review, early["id"], welfare_officer)  # 4 days, on time
    late = await open_case(review, category="welfare", due_days=10)  # opened day 4, due day 14
    await open_case(review, category="transport", due_days=10)  # opened day 4, due day 14
    await open_case(review, category="transport", due_days=30)  # opened day 4, due day 34
    review.clock.advance(timedelta(days=12))  # day 16
    await _answer(review, late["id"], welfare_officer)  # 12 days, two days late

    r = await review.http.get(f"/agencies/{AGENCY}/department-stats")
    assert r.status_code == 200
    rows = {row["department_id"]: row for row in r.json()["items"]}
    welfare, transport = rows[welfare_id], rows[transport_id]
    assert (welfare["cases"], welfare["answered"], welfare["answered_on_time"]) == (2, 2, 1)
    assert (welfare["on_time_pct"], welfare["median_days_to_answer"], welfare["overdue_now"]) == (50.0, 8.0, 0)
    assert (transport["cases"], transport["answered"], transport["on_time_pct"]) == (2, 0, None)
    assert (transport["open_now"], transport["overdue_now"]) == (2, 1)  # day 16: one due day 14, one day 34

    # The period is by the day a case opened: only the first welfare case opened before day 1.
    until = (START + timedelta(days=1)).isoformat()
    r = await review.http.get(f"/agencies/{AGENCY}/department-stats", params={"until": until})
    assert [(row["department_id"], row["cases"]) for row in r.json()["items"]] == [(welfare_id, 1)]

    r = await review.http.get(f"/agencies/{AGENCY}/department-stats", params={"since": until, "until": until})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_period")
    r = await review.http.get(f"/agencies/{AGENCY}/department-stats", params={"since": "어제"})
    assert r.status_code == 422
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        r = await review.http.get(f"/agencies/{AGENCY}/department-stats", params={"since": edge})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_period")
    assert (await review.http.get("/agencies/nowhere/department-stats")).json()["items"] == []
