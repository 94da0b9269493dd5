"""Departments of registered agencies against real Kafka, MongoDB and Redis: `agency.registered`
creates the head of agency once, the agency's admin edits its tree and category map (nobody
else does), and cases open for the mapped department (never an archived one)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.settings import ServiceSettings
from gongnon_contracts import Envelope
from gongnon_contracts.events import AgencyRegistered, MilestoneReached
from gongnon_contracts.events.agencies import Branding
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from review_svc.bootstrap import Components, build_app

START = datetime.now(UTC).replace(microsecond=0)
SUPER = Actor(account_id="root", role=ActorRole.SUPER_ADMIN)


@dataclass
class Review:
    app: FastAPI
    http: httpx.AsyncClient

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def deliver(self, consumer: EventConsumer | None, env: Envelope) -> None:
        assert consumer is not None
        await consumer.dispatch(env.model_dump(mode="json"))

    async def register(self, agency: str, name: str = "강남문화재단") -> Envelope:
        data = AgencyRegistered(
            agency_id=agency, name_ko=name, name_en="Gangnam Foundation", branding=Branding(), registered_at=START
        )
        env = Envelope.wrap(data, source="gateway", agency=agency, time=START)
        await self.deliver(self.parts.agency_consumer, env)
        return env

    async def ok(self, method: str, path: str, actor: Actor, json: Any = None, status: int = 200) -> Any:
        r = await self.http.request(method, path, json=json, headers=actor.header())
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json()


@pytest.fixture(scope="module")
async def review(infra: Any) -> AsyncIterator[Review]:
    name = f"review-dept-test-{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,
    )
    app = build_app(settings, clock=FixedClock(START))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://review-svc") as client:
            yield Review(app, client)


def agency_id() -> str:
    return f"a{uuid.uuid4().hex[:8]}"


def admin_of(agency: str) -> Actor:
    return Actor(account_id=f"admin-{agency}", role=ActorRole.AGENCY_ADMIN, agency=agency)


def milestone(agency: str, category: str, action: RuleAction = RuleAction.DEPARTMENT_ANSWER) -> Envelope:
    data = MilestoneReached(
        item_id=f"p-{uuid.uuid4().hex[:10]}",
        rule_id="votes-5",
        rule_set_id="oasis",
        metric=Metric.SUPPORTS,
        threshold=5,
        value=5,
        action=action,
        due_days=None,
        category=category,
        title="재단 공연장 주차장을 주민에게 개방해 주세요",
        reached_at=START,
    )
    return Envelope.wrap(data, source="proposal-svc", agency=agency, time=START)


async def opened_case(review: Review, env: Envelope) -> dict[str, Any]:
    await review.deliver(review.parts.consumer, env)
    r = await review.http.get(f"/items/{env.subject}/cases")
    [case] = r.json()["items"]
    return dict(case)


async def test_agency_registered_creates_its_head_once(review: Review) -> None:
    a = agency_id()
    env = await review.register(a)
    await review.deliver(review.parts.agency_consumer, env)  # redelivered: the inbox marker
    await review.register(a)  # the same fact as a new event: the head is there already
    items = (await review.http.get(f"/agencies/{a}/departments")).json()["items"]
    assert [(d["id"], d["kind"], d["name"]) for d in items] == [(f"{a}-head", "head", "강남문화재단 기관장")]
    cmap = (await review.http.get(f"/agencies/{a}/category-map")).json()
    assert cmap == {"agency": a, "map": {}, "default_department_id": None, "version": 0}
    # Seoul (the host) is registered too: its seeded head stays the only one.
    await review.register("seoul", "서울특별시")
    heads = [d for d in (await review.http.get("/agencies/seoul/departments")).json()["items"] if d["kind"] == "head"]
    assert [d["id"] for d in heads] == ["dept-head"]


async def test_seoul_map_is_seeded_from_its_departments(review: Review) -> None:
    cmap = (await review.http.get("/agencies/seoul/category-map")).json()
    assert cmap["map"]["welfare"] == "dept-welfare"
    assert cmap["default_department_id"] == "dept-innovation"
    listed = {d["id"]: d for d in (await review.http.get("/departments")).json()["items"]}
    assert listed["dept-welfare"]["categories"] == ["welfare"]
    assert listed["dept-welfare"]["archived"] is False


async def test_the_agency_admin_builds_the_tree(review: Review) -> None:
    a = agency_id()
    await review.register(a)
    admin = admin_of(a)
    bureau = await review.ok("POST", f"/agencies/{a}/departments", admin, {"name": "시민소통본부"}, 201)
    section = await review.ok(
        "POST", f"/agencies/{a}/departments", admin, {"name": "시민참여과", "parent_id": bureau["id"]}, 201
    )
    assert (section["agency"], section["parent_id"], section["kind"]) == (a, bureau["id"], "department")
    assert (await review.ok("GET", f"/departments/{section['id']}", admin))["name"] == "시민참여과"

    renamed = await review.ok("PATCH", f"/departments/{section['id']}", admin, {"name": "시민협력과", "unit": "제안팀"})
    assert (renamed["name"], renamed["unit"], renamed["parent_id"]) == ("시민협력과", "제안팀", bureau["id"])
    r = await review.http.patch(
        f"/departments/{bureau['id']}", json={"parent_id": section["id"]}, headers=admin.header()
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "department_cycle"
    r = await review.http.post(f"/departments/{bureau['id']}/archive", headers=admin.header())
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "has_active_children"
    r = await review.http.post(f"/departments/{a}-head/archive", headers=admin.header())
    assert r.json()["error"]["code"] == "head_department"
    archived = await review.ok("POST", f"/departments/{section['id']}/archive", admin)
    assert archived["archived"] is True
    assert (await review.ok("POST", f"/departments/{section['id']}/archive", admin))["archived"] is True  # again
    r = await review.http.post(
        f"/agencies/{a}/departments", json={"name": "x과", "parent_id": section["id"]}, headers=admin.header()
    )
    assert r.json()["error"]["code"] == "parent_archived"
    assert (await review.http.get("/departments/nope")).status_code == 404


async def test_nobody_else_changes_an_agencys_departments(review: Review) -> None:
    a, b = agency_id(), agency_id()
    await review.register(a)
    await review.register(b)
    b_dept = await review.ok("POST", f"/agencies/{b}/departments", admin_of(b), {"name": "재단본부"}, 201)
    strangers = [
        admin_of(a),
        Actor(account_id="op", role=ActorRole.OPERATOR, agency=b),
        Actor(account_id="off", role=ActorRole.OFFICER, agency=b, department_id=b_dept["id"]),
        Actor(account_id="cit", role=ActorRole.CITIZEN, agency=b, citizen_key="ck"),
    ]
    for who in strangers:
        for method, path, body in [
            ("POST", f"/agencies/{b}/departments", {"name": "침입과"}),
            ("PATCH", f"/departments/{b_dept['id']}", {"name": "침입"}),
            ("POST", f"/departments/{b_dept['id']}/archive", None),
            ("PUT", f"/agencies/{b}/category-map", {"map": {"culture": b_dept["id"]}}),
        ]:
            r = await review.http.request(method, path, json=body, headers=who.header())
            assert r.status_code == 403, (who.role, method, path, r.text)
    assert (await review.http.post(f"/agencies/{b}/departments", json={"name": "x"})).status_code == 401
    # A super admin may; nothing the strangers tried changed anything.
    await review.ok("PATCH", f"/departments/{b_dept['id']}", SUPER, {"name": "재단운영본부"})
    names = [d["name"] for d in (await review.http.get(f"/agencies/{b}/departments")).json()["items"]]
    assert sorted(names) == sorted(["재단운영본부", "강남문화재단 기관장"])
    assert (await review.http.get(f"/agencies/{b}/category-map")).json()["map"] == {}


async def test_cases_follow_the_agencys_map_and_skip_archived_departments(review: Review) -> None:
    a = agency_id()
    await review.register(a)
    admin = admin_of(a)
    culture = await review.ok("POST", f"/agencies/{a}/departments", admin, {"name": "문화사업과"}, 201)
    general = await review.ok("POST", f"/agencies/{a}/departments", admin, {"name": "경영지원과"}, 201)
    r = await review.http.put(
        f"/agencies/{a}/category-map", json={"map": {"culture": "dept-welfare"}}, headers=admin.header()
    )
    assert r.json()["error"]["code"] == "unknown_department"  # Seoul's department is not the agency's
    cmap = await review.ok(
        "PUT", f"/agencies/{a}/category-map", admin, {"map": {"culture": culture["id"]}, "default_department_id": None}
    )
    assert cmap["version"] == 1
    listed = {d["id"]: d for d in (await review.http.get("/departments", params={"agency": a})).json()["items"]}
    assert listed[culture["id"]]["categories"] == ["culture"]
    assert listed[general["id"]]["categories"] == []

    case = await opened_case(review, milestone(a, "culture"))
    assert case["department_id"] == culture["id"]
    case = await opened_case(review, milestone(a, "transport"))
    assert case["department_id"] == f"{a}-head"  # unmapped, no default: the head of agency
    case = await opened_case(review, milestone(a, "culture", RuleAction.HEAD_ANSWER))
    assert case["department_id"] == f"{a}-head"

    await review.ok(
        "PUT",
        f"/agencies/{a}/category-map",
        admin,
        {"map": {"culture": culture["id"]}, "default_department_id": general["id"]},
    )
    await review.ok("POST", f"/departments/{culture['id']}/archive", admin)
    case = await opened_case(review, milestone(a, "culture"))
    assert case["department_id"] == general["id"]  # archived: no new cases; the default takes them
    r = await review.http.post(
        f"/cases/{case['id']}/assign",
        json={"department_id": culture["id"]},
        headers=Actor(account_id="op", role=ActorRole.OPERATOR, agency=a).header(),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "department_archived"


async def test_concurrent_moves_cannot_make_a_cycle(review: Review) -> None:
    a = agency_id()
    await review.register(a)
    admin = admin_of(a)
    x = await review.ok("POST", f"/agencies/{a}/departments", admin, {"name": "가본부"}, 201)
    y = await review.ok("POST", f"/agencies/{a}/departments", admin, {"name": "나본부"}, 201)
    results = await asyncio.gather(
        review.http.patch(f"/departments/{x['id']}", json={"parent_id": y["id"]}, headers=admin.header()),
        review.http.patch(f"/departments/{y['id']}", json={"parent_id": x["id"]}, headers=admin.header()),
    )
    assert sorted(r.status_code for r in results) == [200, 422], [r.text for r in results]
    items = {d["id"]: d for d in (await review.http.get(f"/agencies/{a}/departments")).json()["items"]}
    assert [items[x["id"]]["parent_id"], items[y["id"]]["parent_id"]].count(None) == 1
