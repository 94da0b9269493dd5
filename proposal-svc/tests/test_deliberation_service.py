"""Debates and consultations in proposal-svc against real Kafka, SecantusDB and Redis: the HTTP
API, the events it emits (outbox) and the handlers of voting-svc's and review-svc's events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import (
    BallotClosed,
    ReviewAnswerPublished,
    ReviewCaseOpened,
    TallyUpdated,
)
from gongnon_contracts.events.common import ActorRole
from proposal_svc.bootstrap import ProposalSettings, build_app

T0 = datetime(2019, 10, 22, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RUN = uuid.uuid4().hex[:8]

CITIZEN = Actor(account_id="acc-c", role=ActorRole.CITIZEN, citizen_key="ck-1", display_name="김시민")
OFFICER = Actor(account_id="acc-env", role=ActorRole.OFFICER, department_id="dept-environment")
OFFICER_NO_DEPT = Actor(account_id="acc-x", role=ActorRole.OFFICER)
OPERATOR = Actor(account_id="acc-op", role=ActorRole.OPERATOR)
OTHER_AGENCY_OPERATOR = Actor(account_id="acc-op2", role=ActorRole.OPERATOR, agency="busan")

GOCHEOK = {
    "title": "고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
    "body": "공연과 경기 때마다 버려지는 플라스틱 응원봉, 경기장 안에서 금지하면 어떨까요?",
    "category": "environment",
    "vote_type": "choice",
    "options": [{"id": "yes", "label": "찬성"}, {"id": "no", "label": "반대"}, {"id": "other", "label": "기타"}],
}


def hdr(actor: Actor) -> dict[str, str]:
    return actor.header()  # signed, as the gateway signs it (the development key)


class Svc:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: FixedClock) -> None:
        self.app = app
        self.http = client
        self.clock = clock
        self.rt: Runtime = app.state.runtime

    def consumer(self, suffix: str) -> EventConsumer:
        [c] = [c for c in self.rt.consumers if c.name.endswith(suffix)]
        return c

    async def deliver(self, data: EventData, consumer: str, *, event_id: str | None = None) -> str:
        env = Envelope.wrap(data, source="test", agency="seoul", time=self.clock.now(), event_id=event_id)
        await self.consumer(consumer).dispatch(env.model_dump(mode="json"))
        return env.id

    async def post(self, path: str, actor: Actor, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers=hdr(actor))

    async def created(self, path: str, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.post(path, actor, body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def outbox(self, item_id: str, event_type: str) -> list[dict[str, Any]]:
        return await outbox_envelopes(self.rt.db, key=item_id, type=event_type)

    async def get(self, path: str) -> dict[str, Any]:
        r = await self.http.get(path)
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest_asyncio.fixture(scope="module")
async def svc(infra: Any) -> AsyncIterator[Svc]:
    settings = ProposalSettings(
        SERVICE_NAME=f"proposal-svc-dl-{RUN}",
        MONGODB_DATABASE=f"proposal_svc_dl_{RUN}",
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,
    )
    app = build_app(settings)
    clock = FixedClock(T0)
    rt: Runtime = app.state.runtime
    rt.clock = rt.store.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Svc(app, client, clock)


def error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, str(r.json()["error"]["code"])


async def test_a_department_asks_the_city_and_voting_svc_gets_the_ballot(svc: Svc) -> None:
    item = await svc.created("/consultations", OFFICER, {**GOCHEOK, "days": 30})
    assert (item["kind"], item["kind_label"], item["status"], item["days_left"]) == (
        "consultation",
        "서울시가 묻습니다",
        "open",
        30,
    )
    assert item["department_id"] == "dept-environment"  # the officer's own
    assert item["results"] == {**item["results"], "published": False, "total": None}
    [opened] = await svc.outbox(item["id"], "deliberation.opened")
    data = opened["data"]
    assert (data["kind"], data["vote_type"], data["max_choices"], data["department_id"]) == (
        "consultation",
        "choice",
        1,
        "dept-environment",
    )
    assert [o["label"] for o in data["options"]] == ["찬성", "반대", "기타"]
    assert datetime.fromisoformat(data["closes_at"]) - datetime.fromisoformat(data["opens_at"]) == 30 * DAY
    timeline = await svc.get(f"/deliberations/{item['id']}/timeline")
    assert [(e["kind"], e["actor_role"]) for e in timeline["items"]] == [("deliberation.opened", "officer")]
    assert "서울시가 묻습니다가 열렸습니다 (찬반형, 2019-10-22 ~ 2019-11-21, 30일간)" in timeline["items"][0]["summary"]

    listed = await svc.get("/consultations")
    assert item["id"] in [c["id"] for c in listed["items"]]
    assert (await svc.http.get(f"/debates/{item['id']}")).status_code == 404  # not a debate
    assert (await svc.get(f"/deliberations/{item['id']}"))["title"] == GOCHEOK["title"]


async def test_who_may_ask_and_for_how_long(svc: Svc) -> None:
    assert error(await svc.post("/consultations", OFFICER, {**GOCHEOK, "days": 29})) == (422, "period_too_short")
    forced = {**GOCHEOK, "days": 7, "allow_short_period": True}
    assert error(await svc.post("/consultations", OFFICER, forced)) == (403, "override_forbidden")
    assert (await svc.created("/consultations", OPERATOR, forced))["department_id"] is None
    other = {**GOCHEOK, "department_id": "dept-transport"}
    assert error(await svc.post("/consultations", OFFICER, other)) == (403, "not_your_department")
    assert error(await svc.post("/consultations", OFFICER_NO_DEPT, GOCHEOK)) == (403, "no_department")
    assert (await svc.post("/consultations", CITIZEN, GOCHEOK)).status_code == 403
    lonely = {**GOCHEOK, "vote_type": "multi", "options": [{"id": "a", "label": "하나뿐"}]}
    assert error(await svc.post("/consultations", OPERATOR, lonely)) == (422, "invalid_ballot")
    research = {**GOCHEOK, "vote_type": "research", "options": []}
    assert error(await svc.post("/consultations", OPERATOR, research)) == (422, "invalid_ballot")
    assert (await svc.post("/consultations", OPERATOR, {**GOCHEOK, "category": "nope"})).status_code == 422
    past = {**GOCHEOK, "opens_at": (T0 - 2 * DAY).isoformat()}
    assert error(await svc.post("/consultations", OPERATOR, past)) == (422, "invalid_period")


async def propose_and_reach(svc: Svc, supports: int) -> str:
    r = await svc.post(
        "/proposals",
        CITIZEN,
        {"title": "한강공원 다회용기를 도입해 주세요", "body": "배달 쓰레기가 넘쳐납니다.", "category": "environment"},
    )
    assert r.status_code == 201, r.text
    pid = str(r.json()["id"])
    tally = TallyUpdated(item_id=pid, kind="support", total=supports, counts={}, as_of=svc.clock.now(), seq=1)
    await svc.deliver(tally, ".tallies")
    return pid


async def test_a_debate_opens_only_from_a_debate_candidate_and_only_once(svc: Svc) -> None:
    # democracy-seoul-2019 (the default): 500 supports → debate candidate.
    short = await propose_and_reach(svc, 499)
    body: dict[str, Any] = {"proposal_id": short, "vote_type": "discussion"}
    r = await svc.post("/debates", OPERATOR, body)
    assert error(r) == (409, "not_debate_candidate")
    assert r.json()["error"]["details"]["next_threshold"]["threshold"] == 500
    assert error(await svc.post("/debates", OPERATOR, {**body, "proposal_id": "pr_missing"})) == (
        404,
        "proposal_not_found",
    )

    pid = await propose_and_reach(svc, 500)
    body = {"proposal_id": pid, "vote_type": "discussion", "days": 30}
    assert (await svc.post("/debates", OFFICER, body)).status_code == 403
    assert error(await svc.post("/debates", OTHER_AGENCY_OPERATOR, body)) == (404, "proposal_not_found")
    # Two operators at the same moment: one debate.
    results = await asyncio.gather(*(svc.post("/debates", OPERATOR, body) for _ in range(3)))
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
    debate = next(r.json() for r in results if r.status_code == 201)
    assert (debate["kind"], debate["source_item_id"], debate["category"]) == ("debate", pid, "environment")
    assert debate["title"] == "한강공원 다회용기를 도입해 주세요"  # the proposal's, by default
    assert [d["id"] for d in (await svc.get("/debates"))["items"]].count(debate["id"]) == 1
    proposal_timeline = await svc.get(f"/proposals/{pid}/timeline")
    assert "proposal.debate_opened" in [e["kind"] for e in proposal_timeline["items"]]


async def test_debate_participants_reach_the_mayor_exactly_once(svc: Svc) -> None:
    pid = await propose_and_reach(svc, 500)
    debate = await svc.created("/debates", OPERATOR, {"proposal_id": pid, "vote_type": "discussion"})
    did = debate["id"]

    def participants(total: int, seq: int) -> TallyUpdated:
        return TallyUpdated(item_id=did, kind="discussion", total=total, counts={}, as_of=svc.clock.now(), seq=seq)

    await svc.deliver(participants(4_999, 1), ".tallies")
    got = await svc.get(f"/proposals/{pid}")
    assert got["debate_participants"] == 4_999
    assert "head_answer" not in [m["action"] for m in got["milestones"]]

    first = await svc.deliver(participants(5_002, 3), ".tallies")
    await svc.deliver(participants(5_002, 3), ".tallies", event_id=first)  # redelivered
    await asyncio.gather(*(svc.deliver(participants(5_000 + i, 2), ".tallies") for i in range(3)))
    got = await svc.get(f"/proposals/{pid}")
    assert got["debate_participants"] == 5_002
    assert [m["action"] for m in got["milestones"]].count("head_answer") == 1
    reached = [e for e in await svc.outbox(pid, "proposal.milestone_reached") if e["data"]["action"] == "head_answer"]
    assert len(reached) == 1
    assert (reached[0]["data"]["metric"], reached[0]["data"]["threshold"]) == ("debate_participants", 5_000)
    assert (await svc.get(f"/debates/{did}"))["participants"] == 5_002


async def test_the_published_result_is_recorded_once_and_sent_to_the_department(svc: Svc) -> None:
    item = await svc.created("/consultations", OFFICER, GOCHEOK)
    cid = item["id"]
    closes = datetime.fromisoformat(item["closes_at"])
    svc.clock.advance(30 * DAY + timedelta(minutes=1))
    try:
        assert (await svc.get(f"/consultations/{cid}"))["status"] == "counting"
        closed = BallotClosed(
            item_id=cid,
            kind="choice",
            total=369,
            counts={"yes": 115, "no": 251, "other": 3},
            closes_at=closes,
            as_of=closes - timedelta(hours=1),
        )
        first = await svc.deliver(closed, ".tallies")
        await svc.deliver(closed, ".tallies", event_id=first)
        await svc.deliver(closed, ".tallies")  # the same result in a new envelope
        results = await svc.get(f"/deliberations/{cid}/results")
        assert (results["published"], results["status"], results["total"]) == (True, "closed", 369)
        assert [(o["label"], o["count"], o["percent"]) for o in results["options"]] == [
            ("찬성", 115, 31.2),
            ("반대", 251, 68.0),
            ("기타", 3, 0.8),
        ]
        [sent] = await svc.outbox(cid, "deliberation.result_published")
        data = sent["data"]
        assert (data["answer_due_days"], data["department_id"], data["total"], data["counts"]) == (
            60,
            "dept-environment",
            369,
            {"yes": 115, "no": 251, "other": 3},
        )

        opened = ReviewCaseOpened(
            case_id="case-9",
            item_id=cid,
            department_id="dept-environment",
            department_name="기후환경본부",
            due_at=svc.clock.now() + 60 * DAY,
            reason="result",
        )
        await svc.deliver(opened, ".deliberations")
        answer = ReviewAnswerPublished(
            case_id="case-9",
            item_id=cid,
            department_id="dept-environment",
            department_name="기후환경본부",
            decision="partial",
            reason="반대가 많았습니다.",
            answer="재사용 응원봉 교환 행사를 열겠습니다.",
            approved_by="acc-op",
            published_at=svc.clock.now(),
        )
        await svc.deliver(answer, ".deliberations")
        got = await svc.get(f"/consultations/{cid}")
        assert got["cases"][0]["status"] == "published"
        kinds = [e["kind"] for e in (await svc.get(f"/deliberations/{cid}/timeline"))["items"]]
        assert kinds == [
            "deliberation.opened",
            "deliberation.result_published",
            "review.case_opened",
            "review.answer_published",
        ]
    finally:
        svc.clock.advance(-(30 * DAY + timedelta(minutes=1)))


async def test_results_of_other_items_are_ignored(svc: Svc) -> None:
    pid = await propose_and_reach(svc, 10)
    closed = BallotClosed(item_id=pid, kind="support", total=10, counts={}, closes_at=T0, as_of=T0)
    await svc.deliver(closed, ".tallies")
    assert await svc.outbox(pid, "deliberation.result_published") == []
    assert (await svc.http.get(f"/deliberations/{pid}/results")).status_code == 404
