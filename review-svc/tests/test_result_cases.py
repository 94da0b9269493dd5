"""A debate's or consultation's published result opens the department's answer case: unit tests
of the case, then the handler and HTTP against real Kafka, MongoDB and Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.settings import ServiceSettings
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope
from gongnon_contracts.events import DeliberationResultPublished
from gongnon_contracts.events.common import ActorRole, RuleAction
from review_svc.bootstrap import Components, build_app
from review_svc.domain.cases import RESULT_RULE_ID, ReviewCase, Status
from review_svc.domain.seoul import SEOUL_DEPARTMENTS

T0 = datetime(2019, 11, 21, 0, 0, tzinfo=UTC)
ENVIRONMENT = next(d for d in SEOUL_DEPARTMENTS if d.id == "dept-environment")
ENV_OFFICER = Actor(account_id="off-env", role=ActorRole.OFFICER, department_id="dept-environment")
OPERATOR = Actor(account_id="op-1", role=ActorRole.OPERATOR)


def test_a_result_case_is_due_in_the_days_the_result_allows() -> None:
    case = ReviewCase.open_for_result(
        case_id="case_1",
        agency="seoul",
        item_id="cs_1",
        item_title="고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
        category="environment",
        kind="consultation",
        participants=369,
        published_at=T0,
        due_days=60,
        department=ENVIRONMENT,
        now=T0 + timedelta(seconds=2),
    )
    assert (case.status, case.department_id, case.action, case.rule_id) == (
        Status.ASSIGNED,
        "dept-environment",
        RuleAction.DEPARTMENT_ANSWER,
        RESULT_RULE_ID,
    )
    assert case.due_at == T0 + timedelta(days=60)
    assert case.trigger == "서울시가 묻습니다 결과 공개 (참여 369명): 60일 이내 부서 답변"
    assert [t.kind for t in case.timeline] == ["opened"]
    nobody = ReviewCase.open_for_result(
        case_id="case_2",
        agency="seoul",
        item_id="db_1",
        item_title="토론",
        category="other",
        kind="debate",
        participants=5,
        published_at=T0,
        due_days=30,
        department=None,
        now=T0,
    )
    assert (nobody.status, nobody.due_at, nobody.trigger.split(" ")[0]) == (
        Status.UNASSIGNED,
        T0 + timedelta(days=30),
        "시민토론",
    )


class Review:
    def __init__(self, app: Any, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def deliver(self, env: Envelope) -> None:
        await self.parts.consumer.dispatch(env.model_dump(mode="json"))

    async def cases_for(self, item_id: str) -> list[dict[str, Any]]:
        r = await self.http.get(f"/items/{item_id}/cases")
        assert r.status_code == 200
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def opened_events(self, item_id: str) -> list[dict[str, Any]]:
        opened = await outbox_envelopes(self.parts.runtime.db, key=item_id, type="review.case_opened")
        return [e["data"] for e in opened]


@pytest.fixture(scope="module")
async def review(infra: Any) -> AsyncIterator[Review]:
    name = f"review-result-{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,
    )
    app = build_app(settings, clock=FixedClock(T0 + timedelta(seconds=1)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://review-svc") as client:
            yield Review(app, client)


def result(item_id: str, *, kind: str = "consultation", department_id: str | None, category: str) -> Envelope:
    data = DeliberationResultPublished(
        item_id=item_id,
        kind=kind,
        title="고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
        category=category,
        department_id=department_id,
        source_item_id=None,
        vote_type="choice",
        total=369,
        counts={"yes": 115, "no": 251, "other": 3},
        closed_at=T0 - timedelta(hours=1),
        published_at=T0,
        answer_due_days=60 if kind == "consultation" else 30,
    )
    return Envelope.wrap(data, source="proposal-svc", agency="seoul", time=T0)


async def test_the_asking_department_gets_one_case_due_in_60_days(review: Review) -> None:
    item = f"cs_{uuid.uuid4().hex[:10]}"
    env = result(item, department_id="dept-environment", category="culture")
    await review.deliver(env)
    await review.deliver(env)  # redelivered
    await review.deliver(result(item, department_id="dept-environment", category="culture"))  # a new envelope
    [case] = await review.cases_for(item)
    assert (case["department_id"], case["status"]) == ("dept-environment", "in_review")
    assert datetime.fromisoformat(case["due_at"]) == T0 + timedelta(days=60)
    [opened] = await review.opened_events(item)
    assert (opened["department_name"], opened["reason"]) == (
        "기후환경본부",
        "서울시가 묻습니다 결과 공개 (참여 369명): 60일 이내 부서 답변",
    )

    # The existing flow: the department answers, an operator publishes.
    answer = {"decision": "partial", "answer": "교환 행사를 열겠습니다.", "reason": "반대가 68%였습니다."}
    r = await review.http.post(f"/cases/{case['id']}/answer", json=answer, headers=ENV_OFFICER.header())
    assert r.status_code == 200, r.text
    r = await review.http.post(f"/cases/{case['id']}/approve", headers=OPERATOR.header())
    assert r.status_code == 200, r.text
    [public] = await review.cases_for(item)
    assert (public["status"], public["decision"]) == ("answered", "partial")


async def test_without_a_known_department_the_category_decides(review: Review) -> None:
    debate = f"db_{uuid.uuid4().hex[:10]}"
    await review.deliver(result(debate, kind="debate", department_id=None, category="transport"))
    [case] = await review.cases_for(debate)
    assert case["department_id"] == "dept-transport"
    assert datetime.fromisoformat(case["due_at"]) == T0 + timedelta(days=30)

    # A department id of no department of this agency (or the head office) is not trusted.
    for bogus in ("dept-nowhere", "dept-head"):
        item = f"cs_{uuid.uuid4().hex[:10]}"
        await review.deliver(result(item, department_id=bogus, category="welfare"))
        [case] = await review.cases_for(item)
        assert case["department_id"] == "dept-welfare"
