"""review-svc against real Kafka, MongoDB and Redis: event handlers driven through
EventConsumer.dispatch, HTTP through the app inside its lifespan, time pinned by a FixedClock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.settings import ServiceSettings
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope
from gongnon_contracts.events import MilestoneReached
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from review_svc.bootstrap import Components, build_app

START = datetime.now(UTC).replace(microsecond=0)

CITIZEN = Actor(account_id="cit-1", role=ActorRole.CITIZEN, citizen_key="ck-1")
WELFARE_OFFICER = Actor(account_id="off-w", role=ActorRole.OFFICER, department_id="dept-welfare")
TRANSPORT_OFFICER = Actor(account_id="off-t", role=ActorRole.OFFICER, department_id="dept-transport")
OPERATOR = Actor(account_id="op-1", role=ActorRole.OPERATOR)
HEAD = Actor(account_id="mayor", role=ActorRole.HEAD)


@dataclass
class Review:
    app: FastAPI
    http: httpx.AsyncClient
    clock: FixedClock

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def deliver(self, env: Envelope) -> None:
        await self.parts.consumer.dispatch(env.model_dump(mode="json"))

    async def events(self, item_id: str, event_type: str) -> list[dict[str, Any]]:
        return await outbox_envelopes(self.parts.runtime.db, key=item_id, type=event_type)

    async def cases_for(self, item_id: str) -> list[dict[str, Any]]:
        r = await self.http.get(f"/items/{item_id}/cases")
        assert r.status_code == 200
        items: list[dict[str, Any]] = r.json()["items"]
        return items


@pytest.fixture(scope="module")
async def review(infra: Any) -> AsyncIterator[Review]:
    name = f"review-test-{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,  # the test drives the deadline scan itself
    )
    clock = FixedClock(START)
    app = build_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://review-svc") as client:
            yield Review(app, client, clock)


def milestone(
    item_id: str,
    *,
    category: str = "welfare",
    action: RuleAction = RuleAction.DEPARTMENT_ANSWER,
    due_days: int | None = None,
    agency: str = "seoul",
    rule_id: str = "r-50",
) -> Envelope:
    data = MilestoneReached(
        item_id=item_id,
        rule_id=rule_id,
        rule_set_id="democracy-seoul-2019",
        metric=Metric.SUPPORTS,
        threshold=50,
        value=50,
        action=action,
        due_days=due_days,
        category=category,
        title="배리어프리 앱을 통합하면 어떨까요?",
        reached_at=START,
    )
    return Envelope.wrap(data, source="proposal-svc", agency=agency, time=START)


def new_item() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


async def open_case(review: Review, **kw: Any) -> tuple[str, dict[str, Any]]:
    item = new_item()
    await review.deliver(milestone(item, **kw))
    cases = await review.cases_for(item)
    assert len(cases) == 1
    return item, cases[0]


async def test_departments_are_seeded_idempotently(review: Review) -> None:
    r = await review.http.get("/departments")
    assert r.status_code == 200
    items = {d["id"]: d for d in r.json()["items"]}
    assert items["dept-welfare"]["name"] == "복지정책실"
    assert items["dept-welfare"]["categories"] == ["welfare"]
    assert items["dept-innovation"]["unit"] == "사회혁신담당관"
    assert items["dept-head"]["kind"] == "head"
    assert all(d["agency"] == "seoul" for d in items.values())
    # Seeding again (a restart) changes nothing.
    from review_svc.domain.seoul import SEOUL_DEPARTMENTS

    await review.parts.service.departments.upsert_all(SEOUL_DEPARTMENTS)
    again = (await review.http.get("/departments")).json()["items"]
    assert len(again) == len(items) == len(SEOUL_DEPARTMENTS)


async def test_milestone_opens_one_case_and_a_duplicate_changes_nothing(review: Review) -> None:
    item = new_item()
    env = milestone(item, due_days=None)
    await review.deliver(env)
    await review.deliver(env)  # the same event again
    # The same rule firing again under another event id (a replayed producer) opens nothing either.
    await review.deliver(milestone(item))
    cases = await review.cases_for(item)
    assert len(cases) == 1
    case = cases[0]
    assert case["department_id"] == "dept-welfare"
    assert case["department_name"] == "복지정책실"
    assert case["status"] == "in_review"
    assert datetime.fromisoformat(case["due_at"]) == START + timedelta(days=20)
    opened = await review.events(item, "review.case_opened")
    assert len(opened) == 1
    assert opened[0]["data"]["department_id"] == "dept-welfare"
    assert opened[0]["data"]["case_id"] == case["id"]


async def test_only_answer_milestones_open_cases(review: Review) -> None:
    item = new_item()
    await review.deliver(milestone(item, action=RuleAction.DEBATE_CANDIDATE))
    assert await review.cases_for(item) == []


async def test_answer_approve_and_publish(review: Review) -> None:
    item, case = await open_case(review, category="welfare", due_days=30)
    cid = case["id"]
    assert datetime.fromisoformat(case["due_at"]) == START + timedelta(days=30)

    body = {"decision": "partial", "answer": "일부 수용합니다", "reason": "예산 범위 안에서 추진"}
    r = await review.http.post(f"/cases/{cid}/answer", json=body, headers=TRANSPORT_OFFICER.header())
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_department"
    r = await review.http.post(f"/cases/{cid}/answer", json=body, headers=CITIZEN.header())
    assert r.status_code == 403
    r = await review.http.post(f"/cases/{cid}/answer", json=body)
    assert r.status_code == 401

    for decision in ("reject", "partial"):
        r = await review.http.post(
            f"/cases/{cid}/answer",
            json={"decision": decision, "answer": "어렵습니다"},
            headers=WELFARE_OFFICER.header(),
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "reason_required"
    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "maybe", "answer": "x"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 422

    r = await review.http.post(f"/cases/{cid}/answer", json=body, headers=WELFARE_OFFICER.header())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awaiting_approval"
    submitted = await review.events(item, "review.answer_submitted")
    assert [e["data"]["decision"] for e in submitted] == ["partial"]
    assert submitted[0]["data"]["officer_account"] == "off-w"

    # Not public before the operator approves.
    public = (await review.cases_for(item))[0]
    assert public["answer"] is None
    assert public["decision"] is None
    assert public["reason"] is None
    assert public["status"] == "in_review"

    for who in (WELFARE_OFFICER, CITIZEN, TRANSPORT_OFFICER):
        r = await review.http.post(f"/cases/{cid}/approve", headers=who.header())
        assert r.status_code == 403
    assert await review.events(item, "review.answer_published") == []

    review.clock.advance(timedelta(hours=3))
    r = await review.http.post(f"/cases/{cid}/approve", headers=OPERATOR.header())
    assert r.status_code == 200
    assert r.json()["status"] == "published"
    published = await review.events(item, "review.answer_published")
    assert len(published) == 1
    data = published[0]["data"]
    assert data["department_name"] == "복지정책실"
    assert data["decision"] == "partial"
    assert data["reason"] == "예산 범위 안에서 추진"
    assert data["answer"] == "일부 수용합니다"
    assert data["approved_by"] == "op-1"
    assert datetime.fromisoformat(data["published_at"]) == review.clock.now()

    public = (await review.cases_for(item))[0]
    assert public["status"] == "answered"
    assert public["decision"] == "partial"
    assert public["decision_label"] == "부분수용"
    assert public["answer"] == "일부 수용합니다"
    assert public["reason"] == "예산 범위 안에서 추진"

    r = await review.http.post(f"/cases/{cid}/approve", headers=OPERATOR.header())
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_state"
    assert len(await review.events(item, "review.answer_published")) == 1


async def test_operator_returns_an_answer(review: Review) -> None:
    _, case = await open_case(review)
    cid = case["id"]
    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "accept", "answer": "수용합니다"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 200
    r = await review.http.post(f"/cases/{cid}/return", json={"reason": "보완 필요"}, headers=WELFARE_OFFICER.header())
    assert r.status_code == 403
    r = await review.http.post(f"/cases/{cid}/return", json={"reason": "보완 필요"}, headers=OPERATOR.header())
    assert r.status_code == 200
    assert r.json()["status"] == "assigned"
    assert r.json()["answer"] is None
    assert r.json()["timeline"][-1]["kind"] == "returned"


async def test_reassignment_request_and_operator_assignment(review: Review) -> None:
    item, case = await open_case(review, category="welfare")
    cid = case["id"]
    r = await review.http.post(
        f"/cases/{cid}/reassign-request", json={"reason": "교통 소관"}, headers=TRANSPORT_OFFICER.header()
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_department"
    r = await review.http.post(
        f"/cases/{cid}/reassign-request", json={"reason": "교통 소관입니다"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 200
    assert r.json()["status"] == "reassign_requested"
    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "accept", "answer": "네"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_state"

    r = await review.http.post(
        f"/cases/{cid}/assign", json={"department_id": "dept-transport"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 403
    r = await review.http.post(f"/cases/{cid}/assign", json={"department_id": "dept-nope"}, headers=OPERATOR.header())
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_department"
    r = await review.http.post(
        f"/cases/{cid}/assign", json={"department_id": "dept-transport"}, headers=OPERATOR.header()
    )
    assert r.status_code == 200
    moved = r.json()
    assert moved["status"] == "assigned"
    assert moved["department_name"] == "도시교통실"
    assert [t["kind"] for t in moved["timeline"]] == ["opened", "reassign_requested", "reassigned"]

    # The old department lost the case; the new one answers it.
    r = await review.http.get(f"/cases/{cid}", headers=WELFARE_OFFICER.header())
    assert r.status_code == 403
    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "accept", "answer": "네"}, headers=TRANSPORT_OFFICER.header()
    )
    assert r.status_code == 200
    assert (await review.cases_for(item))[0]["department_name"] == "도시교통실"


async def test_case_lists_respect_departments(review: Review) -> None:
    _, welfare_case = await open_case(review, category="welfare")
    _, transport_case = await open_case(review, category="transport")

    r = await review.http.get("/cases", headers=WELFARE_OFFICER.header())
    assert r.status_code == 200
    listed = r.json()["items"]
    assert welfare_case["id"] in {c["id"] for c in listed}
    assert {c["department_id"] for c in listed} == {"dept-welfare"}

    r = await review.http.get("/cases?department_id=dept-transport", headers=WELFARE_OFFICER.header())
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_department"
    r = await review.http.get("/cases", headers=CITIZEN.header())
    assert r.status_code == 403
    r = await review.http.get(f"/cases/{welfare_case['id']}", headers=CITIZEN.header())
    assert r.status_code == 403

    r = await review.http.get("/cases?status=assigned&limit=200", headers=OPERATOR.header())
    ids = {c["id"] for c in r.json()["items"]}
    assert {welfare_case["id"], transport_case["id"]} <= ids
    r = await review.http.get("/cases?department_id=dept-transport", headers=OPERATOR.header())
    assert {c["department_id"] for c in r.json()["items"]} == {"dept-transport"}
    r = await review.http.get("/cases?status=nonsense", headers=OPERATOR.header())
    assert r.status_code == 422

    # Paging: newest first, the cursor continues strictly after the last item.
    first = (await review.http.get("/cases?limit=1", headers=OPERATOR.header())).json()
    rest = (await review.http.get(f"/cases?limit=200&before={first['next_cursor']}", headers=OPERATOR.header())).json()
    assert first["items"][0]["id"] not in {c["id"] for c in rest["items"]}
    assert rest["items"], "the cursor continues the list"
    # The cursor is opaque and signed: a case id, or the cursor edited, is not one the list issued.
    for forged in (first["items"][0]["id"], "zzzz", first["next_cursor"][:-1], first["next_cursor"] + "A"):
        r = await review.http.get("/cases", params={"before": forged}, headers=OPERATOR.header())
        assert r.status_code == 400, (forged, r.text)
        assert r.json()["error"]["code"] == "invalid_cursor"

    busan_operator = Actor(account_id="op-b", role=ActorRole.OPERATOR, agency="busan")
    r = await review.http.get(f"/cases/{welfare_case['id']}", headers=busan_operator.header())
    assert r.status_code == 404


async def test_head_answer_opens_a_case_for_the_head_of_agency(review: Review) -> None:
    item, case = await open_case(review, action=RuleAction.HEAD_ANSWER, rule_id="r-5000")
    assert case["department_id"] == "dept-head"
    assert case["department_name"] == "서울특별시장"
    r = await review.http.post(
        f"/cases/{case['id']}/answer",
        json={"decision": "accept", "answer": "시장입니다"},
        headers=WELFARE_OFFICER.header(),
    )
    assert r.status_code == 403
    r = await review.http.post(
        f"/cases/{case['id']}/answer", json={"decision": "accept", "answer": "시장입니다"}, headers=HEAD.header()
    )
    assert r.status_code == 200
    assert len(await review.events(item, "review.case_opened")) == 1


async def test_agency_without_departments_waits_for_an_operator(review: Review) -> None:
    item = new_item()
    await review.deliver(milestone(item, agency="partner-x"))
    [case] = await review.cases_for(item)
    assert case["department_id"] is None
    assert await review.events(item, "review.case_opened") == []
    partner_operator = Actor(account_id="op-x", role=ActorRole.OPERATOR, agency="partner-x")
    # Seoul's departments are not the partner's to use.
    r = await review.http.post(
        f"/cases/{case['id']}/assign", json={"department_id": "dept-welfare"}, headers=partner_operator.header()
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_department"
    r = await review.http.post(
        f"/cases/{case['id']}/assign", json={"department_id": "dept-welfare"}, headers=OPERATOR.header()
    )
    assert r.status_code == 404  # a Seoul operator cannot see the partner's case


async def test_deadline_scan_reminds_once_then_marks_overdue_once(review: Review) -> None:
    item, case = await open_case(review, category="health")
    cid = case["id"]
    due = datetime.fromisoformat(case["due_at"])
    clock = review.clock
    scanner = review.parts.scanner

    clock._at = due - timedelta(days=2)  # inside the reminder window
    await scanner.scan()
    await scanner.scan()
    detail = (await review.http.get(f"/cases/{cid}", headers=OPERATOR.header())).json()
    assert [r["kind"] for r in detail["reminders"]] == ["d-3"]
    assert detail["overdue"] is False
    assert await review.events(item, "review.case_overdue") == []

    clock._at = due + timedelta(minutes=1)
    await scanner.scan()
    await scanner.scan()
    detail = (await review.http.get(f"/cases/{cid}", headers=OPERATOR.header())).json()
    assert detail["overdue"] is True
    assert len(detail["reminders"]) == 1
    overdue = await review.events(item, "review.case_overdue")
    assert len(overdue) == 1
    assert overdue[0]["data"]["department_id"] == "dept-health"
    assert (await review.cases_for(item))[0]["overdue"] is True

    # A late answer is still accepted and published; the overdue flag stays as history.
    health = Actor(account_id="off-h", role=ActorRole.OFFICER, department_id="dept-health")
    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "accept", "answer": "늦었지만 수용합니다"}, headers=health.header()
    )
    assert r.status_code == 200
    assert (await review.http.post(f"/cases/{cid}/approve", headers=OPERATOR.header())).status_code == 200
    public = (await review.cases_for(item))[0]
    assert public["overdue"] is True
    assert public["decision"] == "accept"
    clock._at = START


# -- notices for staff (issue 13): each a typed event in the same commit as the change --------------


async def test_d3_and_dday_reminders_are_emitted_once_each(review: Review) -> None:
    from review_svc.domain.deadlines import dday_start

    item, case = await open_case(review, category="health")
    due = datetime.fromisoformat(case["due_at"])
    scanner = review.parts.scanner
    review.clock._at = due - timedelta(days=3) + timedelta(minutes=1)
    await scanner.scan()
    await scanner.scan()
    reminders = await review.events(item, "review.reminder_due")
    assert [(e["data"]["kind"], e["data"]["department_id"]) for e in reminders] == [("d-3", "dept-health")]
    assert reminders[0]["data"]["department_name"]

    review.clock._at = dday_start(due) + timedelta(minutes=1)
    await scanner.scan()
    await scanner.scan()
    assert [e["data"]["kind"] for e in await review.events(item, "review.reminder_due")] == ["d-3", "d-day"]

    review.clock._at = due + timedelta(minutes=1)
    await scanner.scan()
    await scanner.scan()
    overdue = await review.events(item, "review.case_overdue")
    assert len(overdue) == 1
    assert overdue[0]["data"]["department_name"] == case["department_name"]
    assert len(await review.events(item, "review.reminder_due")) == 2
    review.clock._at = START


async def test_reassignment_request_decline_move_and_return_are_events(review: Review) -> None:
    item, case = await open_case(review, category="welfare")
    cid = case["id"]
    r = await review.http.post(
        f"/cases/{cid}/reassign-request", json={"reason": "교통 소관"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 200
    requested = await review.events(item, "review.reassignment_requested")
    assert [(e["data"]["department_id"], e["data"]["reason"], e["data"]["officer_account"]) for e in requested] == [
        ("dept-welfare", "교통 소관", "off-w")
    ]
    # Kept with the same department: declined.
    r = await review.http.post(
        f"/cases/{cid}/assign", json={"department_id": "dept-welfare"}, headers=OPERATOR.header()
    )
    assert r.status_code == 200
    declined = await review.events(item, "review.reassignment_declined")
    assert [(e["data"]["department_id"], e["data"]["decided_by"]) for e in declined] == [("dept-welfare", "op-1")]
    assert await review.events(item, "review.case_reassigned") == []

    r = await review.http.post(
        f"/cases/{cid}/reassign-request", json={"reason": "다시"}, headers=WELFARE_OFFICER.header()
    )
    assert r.status_code == 200
    r = await review.http.post(
        f"/cases/{cid}/assign", json={"department_id": "dept-transport"}, headers=OPERATOR.header()
    )
    assert r.status_code == 200
    moved = await review.events(item, "review.case_reassigned")
    assert len(moved) == 1
    data = moved[0]["data"]
    assert (data["from_department_id"], data["department_id"], data["requested"]) == (
        "dept-welfare",
        "dept-transport",
        True,
    )
    assert data["department_name"] == "도시교통실"

    r = await review.http.post(
        f"/cases/{cid}/answer", json={"decision": "accept", "answer": "네"}, headers=TRANSPORT_OFFICER.header()
    )
    assert r.status_code == 200
    r = await review.http.post(f"/cases/{cid}/return", json={"reason": "근거를 보완하세요"}, headers=OPERATOR.header())
    assert r.status_code == 200
    returned = await review.events(item, "review.answer_returned")
    assert [(e["data"]["department_id"], e["data"]["reason"]) for e in returned] == [
        ("dept-transport", "근거를 보완하세요")
    ]


async def test_a_head_answer_reminder_says_so(review: Review) -> None:
    item, case = await open_case(review, action=RuleAction.HEAD_ANSWER)
    due = datetime.fromisoformat(case["due_at"])
    review.clock._at = due - timedelta(days=3) + timedelta(minutes=1)
    await review.parts.scanner.scan()
    (event,) = await review.events(item, "review.reminder_due")
    assert event["data"]["head_answer"] is True
    assert event["data"]["department_id"] == case["department_id"]
    review.clock._at = START
