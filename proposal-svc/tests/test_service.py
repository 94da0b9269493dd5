"""proposal-svc against real Kafka, SecantusDB and Redis: HTTP, event handlers and the scan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import ReviewAnswerPublished, ReviewAnswerSubmitted, ReviewCaseOpened, TallyUpdated
from gongnon_contracts.events.common import ActorRole
from proposal_svc.adapters.live_counts import LiveCounts
from proposal_svc.adapters.repository import DEADLINE_FLOOR, list_indexes
from proposal_svc.bootstrap import ProposalSettings, build_app
from proposal_svc.service_layer.tallies import TallyService

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
RUN = uuid.uuid4().hex[:8]

CITIZEN = Actor(account_id="acc-citizen", role=ActorRole.CITIZEN, citizen_key="ck-1", display_name="김시민")
UNVERIFIED = Actor(account_id="acc-anon", role=ActorRole.CITIZEN)
OFFICER = Actor(account_id="acc-officer", role=ActorRole.OFFICER, department_id="d1")
OPERATOR = Actor(account_id="acc-op", role=ActorRole.OPERATOR)


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

    async def deliver(self, data: EventData, *, event_id: str | None = None, source: str = "voting-svc") -> str:
        env = Envelope.wrap(data, source=source, agency="seoul", time=self.clock.now(), event_id=event_id)
        consumer = self.consumer(".tallies" if isinstance(data, TallyUpdated) else ".reviews")
        await consumer.dispatch(env.model_dump(mode="json"))
        return env.id

    async def propose(self, actor: Actor = CITIZEN, **over: Any) -> dict[str, Any]:
        body = {
            "title": "따릉이 대여소를 늘려주세요",
            "body": "출퇴근 시간마다 자전거가 모자랍니다.",
            "category": "transport",
        }
        r = await self.http.post("/proposals", json=body | over, headers=hdr(actor))
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def outbox(self, item_id: str, event_type: str) -> list[dict[str, Any]]:
        return await outbox_envelopes(self.rt.db, key=item_id, type=event_type)

    async def timeline(self, item_id: str) -> list[dict[str, Any]]:
        r = await self.http.get(f"/proposals/{item_id}/timeline")
        assert r.status_code == 200
        return list(r.json()["items"])


@pytest_asyncio.fixture(scope="module")
async def svc(infra: Any) -> AsyncIterator[Svc]:
    settings = ProposalSettings(
        SERVICE_NAME=f"proposal-svc-test-{RUN}",
        MONGODB_DATABASE=f"proposal_svc_test_{RUN}",
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,  # the test runs the scan itself
        PROPOSAL_EXPIRY_GRACE_S=0,
    )
    app = build_app(settings)
    clock = FixedClock(T0)
    rt: Runtime = app.state.runtime
    rt.clock = rt.store.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Svc(app, client, clock)


def tally(item_id: str, total: int, seq: int, minutes: int) -> TallyUpdated:
    return TallyUpdated(
        item_id=item_id, kind="support", total=total, as_of=T0 + timedelta(minutes=minutes), seq=seq, counts={}
    )


async def test_milestone_recorded_once_despite_duplicates_reordering_and_races(svc: Svc) -> None:
    p = await svc.propose(district="mapo", hashtags=["#따릉이", "자전거"])
    item = p["id"]
    assert (p["stage"], p["rule_set_id"], p["rule_set_version"], p["support_count"]) == (
        "supporting",
        "democracy-seoul-2019",
        1,
        0,
    )
    assert p["hashtags"] == ["따릉이", "자전거"]
    assert p["author"] == {"account_id": "acc-citizen", "name": "김시민", "role": "citizen"}
    assert p["next_threshold"]["threshold"] == 50
    [submitted] = await svc.outbox(item, "proposal.submitted")
    assert submitted["data"]["rule_set_id"] == "democracy-seoul-2019"
    assert submitted["data"]["listed"] is True

    await svc.deliver(tally(item, 10, 1, 1))
    first = await svc.deliver(tally(item, 60, 3, 3))
    await svc.deliver(tally(item, 30, 2, 2))  # older snapshot, late
    await svc.deliver(tally(item, 60, 3, 3), event_id=first)  # the same event redelivered
    await svc.deliver(tally(item, 60, 3, 3))  # the same snapshot in a new envelope
    # Concurrent deliveries that all cross the threshold.
    await asyncio.gather(*(svc.deliver(tally(item, 55 + i, 4 + i, 4 + i)) for i in range(5)))
    await svc.deliver(tally(item, 40, 2, 2))

    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert got["support_count"] == 60
    assert [m["rule_id"] for m in got["milestones"]] == ["supports-50"]
    assert got["next_threshold"]["threshold"] == 500
    assert got["next_threshold"]["value"] == 60
    [reached] = await svc.outbox(item, "proposal.milestone_reached")
    data = reached["data"]
    assert (data["rule_id"], data["action"], data["due_days"], data["threshold"]) == (
        "supports-50",
        "department_answer",
        20,
        50,
    )
    assert (data["category"], data["title"]) == ("transport", "따릉이 대여소를 늘려주세요")
    assert reached["subject"] == item
    entries = await svc.timeline(item)
    assert [(e["kind"], e["actor_role"]) for e in entries] == [
        ("proposal.submitted", "citizen"),
        ("proposal.milestone_reached", "system"),
    ]
    assert entries[1]["summary"].startswith("공감 50개를 달성하여 부서 답변 대상이 되었습니다")
    assert entries[1]["data"]["rule_id"] == "supports-50"


async def test_a_batch_of_tallies_fires_each_items_milestones_once_and_raises_every_count(svc: Svc) -> None:
    """The tallies consumer applies whatever has arrived in one transaction: several items cross
    50 (one crosses 50 and 500) in the same batch, with older and repeated snapshots among them,
    and the whole batch is redelivered."""
    items = [(await svc.propose(title=f"공영 주차장 개선 {n}번"))["id"] for n in range(4)]
    finals = {items[0]: 51, items[1]: 75, items[2]: 49, items[3]: 520}
    bodies = []
    for step, fraction in enumerate((0.3, 0.6, 1.0)):
        for item in items:
            total = int(finals[item] * fraction)
            env = Envelope.wrap(tally(item, total, step + 1, step + 1), source="voting-svc", agency="seoul", time=T0)
            bodies.append(env.model_dump(mode="json"))
    late = tally(items[1], 10, 1, 1)  # an older snapshot in a new envelope, after the newer ones
    bodies.append(Envelope.wrap(late, source="voting-svc", agency="seoul", time=T0).model_dump(mode="json"))
    consumer = svc.consumer(".tallies")
    await consumer.dispatch_batch(bodies)
    await consumer.dispatch_batch(bodies)  # the same batch again (a redelivery after a crash)

    expected = {
        items[0]: ["supports-50"],
        items[1]: ["supports-50"],
        items[2]: [],
        items[3]: ["supports-50", "supports-500"],
    }
    for item in items:
        got = (await svc.http.get(f"/proposals/{item}")).json()
        assert got["support_count"] == finals[item]
        assert [m["rule_id"] for m in got["milestones"]] == expected[item]
        reached = await svc.outbox(item, "proposal.milestone_reached")
        assert sorted(r["data"]["rule_id"] for r in reached) == expected[item]
        kinds = [e["kind"] for e in await svc.timeline(item)]
        assert kinds.count("proposal.milestone_reached") == len(expected[item])


async def test_review_events_move_the_stage_and_fill_the_timeline(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    due = T0 + timedelta(days=20)
    opened = ReviewCaseOpened(
        case_id="case-1",
        item_id=item,
        department_id="d-transport",
        department_name="교통정책과",
        due_at=due,
        reason="milestone",
    )
    await svc.deliver(opened, source="review-svc")
    assert (await svc.http.get(f"/proposals/{item}")).json()["stage"] == "review"
    await svc.deliver(
        ReviewAnswerSubmitted(
            case_id="case-1", item_id=item, department_id="d-transport", decision="accept", officer_account="o1"
        ),
        source="review-svc",
    )
    published = ReviewAnswerPublished(
        case_id="case-1",
        item_id=item,
        department_id="d-transport",
        department_name="교통정책과",
        decision="accept",
        reason=None,
        answer="대여소를 20곳 늘리겠습니다.",
        approved_by="acc-op",
        published_at=T0 + timedelta(days=5),
    )
    await svc.deliver(published, source="review-svc")
    await svc.deliver(opened, source="review-svc")  # a late duplicate in a new envelope
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert got["stage"] == "answered"
    assert got["cases"][0]["status"] == "published"
    entries = await svc.timeline(item)
    assert [(e["kind"], e["actor_role"]) for e in entries] == [
        ("proposal.submitted", "citizen"),
        ("review.case_opened", "system"),
        ("review.answer_submitted", "officer"),
        ("review.answer_published", "operator"),
    ]
    assert entries[1]["summary"] == "교통정책과에 부서검토가 배정되었습니다 (답변 기한 2025-06-22)."
    assert entries[3]["data"]["answer"] == "대여소를 20곳 늘리겠습니다."


async def test_unrelated_tallies_are_ignored(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    await svc.deliver(TallyUpdated(item_id="not-ours", kind="support", total=999, as_of=T0, seq=1))
    await svc.deliver(TallyUpdated(item_id=item, kind="choice", total=999, as_of=T0, seq=1))
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert (got["support_count"], got["milestones"]) == (0, [])


async def test_who_may_propose(svc: Svc) -> None:
    body = {"title": "공원에 그늘막을", "body": "여름에 너무 덥습니다. 그늘막이 필요합니다.", "category": "environment"}
    r = await svc.http.post("/proposals", json=body, headers=hdr(UNVERIFIED))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "verification_required"
    r = await svc.http.post("/proposals", json=body, headers=hdr(OFFICER))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = await svc.http.post("/proposals", json=body)
    assert r.status_code == 401
    r = await svc.http.post("/proposals", json=body, headers=hdr(OPERATOR))
    assert r.status_code == 201
    assert r.json()["author"]["role"] == "operator"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": "짧음"}, "title"),
        ({"title": "가" * 121}, "title"),
        ({"body": "짧은 본문"}, "body"),
        ({"category": "sports"}, "category"),
        ({"district": "busan"}, "district"),
        ({"hashtags": [f"t{i}" for i in range(11)]}, "hashtags"),
        ({"hashtags": ["가" * 31]}, "hashtags"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_422_with_the_error_body(svc: Svc, over: dict[str, Any], field: str) -> None:
    body = {"title": "공원에 그늘막을", "body": "여름에 너무 덥습니다. 그늘막이 필요합니다.", "category": "environment"}
    r = await svc.http.post("/proposals", json=body | over, headers=hdr(CITIZEN))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert any(field in d["loc"] for d in err["details"]), err


async def test_list_pagination_filters_and_popularity(svc: Svc) -> None:
    ids = []
    for i in range(5):
        svc.clock.advance(timedelta(seconds=1))
        p = await svc.propose(title=f"목록 시험 제안 {i}", category="culture", district="jongno" if i % 2 else None)
        ids.append(p["id"])
    await svc.deliver(tally(ids[1], 30, 1, 1))
    await svc.deliver(tally(ids[3], 20, 1, 1))
    # The popular order follows the documents' counts, caught up with the live ones by the fold.
    await svc.app.state.components.proposals.proposals.live.fold()

    seen, cursor = [], None
    while True:
        params = {"category": "culture", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await svc.http.get("/proposals", params=params)).json()
        seen += [it["id"] for it in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))

    popular = (await svc.http.get("/proposals", params={"sort": "popular", "category": "culture"})).json()
    assert [it["id"] for it in popular["items"]][:2] == [ids[1], ids[3]]
    # Popular paging walks through long ties (most items have no support yet) without gaps or repeats,
    # in small pages as in large ones (a page may come back short, with a cursor, when the request
    # ran out of work: see adapters/listing.py).
    walks: dict[int, list[str]] = {}
    for size in (100, 3):
        walked, cursor = [], None
        while True:
            params = {"sort": "popular", "limit": size} | ({"cursor": cursor} if cursor else {})
            page = (await svc.http.get("/proposals", params=params)).json()
            walked += [it["id"] for it in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        walks[size] = walked
    assert walks[3] == walks[100]
    assert len(set(walks[3])) == len(walks[3])
    assert set(ids) <= set(walks[3])
    by_district = (await svc.http.get("/proposals", params={"district": "jongno", "category": "culture"})).json()
    assert {it["id"] for it in by_district["items"]} == {ids[1], ids[3]}
    staged = (await svc.http.get("/proposals", params={"stage": "supporting", "limit": 100})).json()
    assert set(ids) <= {it["id"] for it in staged["items"]}

    for params in ({"limit": 101}, {"limit": 0}, {"sort": "oldest"}, {"category": "x"}):
        r = await svc.http.get("/proposals", params=params)
        assert r.status_code == 422, params
        assert "error" in r.json()
    latest_cursor = (await svc.http.get("/proposals", params={"limit": 1})).json()["next_cursor"]
    for params in ({"cursor": "garbage!"}, {"sort": "popular", "cursor": latest_cursor}):
        r = await svc.http.get("/proposals", params=params)
        assert r.status_code == 400, params
        assert r.json()["error"]["code"] == "invalid_cursor"
    assert (await svc.http.get("/proposals/pr_missing")).status_code == 404


async def test_agency_rule_set_switch_applies_to_new_items_only(svc: Svc) -> None:
    agency = f"petitions-{RUN}"
    citizen = CITIZEN.model_copy(update={"agency": agency})
    admin = Actor(account_id="acc-admin", role=ActorRole.AGENCY_ADMIN, agency=agency)
    before = await svc.propose(citizen)
    assert before["rule_set_id"] == "democracy-seoul-2019"

    url = f"/agencies/{agency}/ruleset"
    assert (await svc.http.put(url, json={"preset": "cheongwadae-petition"}, headers=hdr(CITIZEN))).status_code == 403
    assert (await svc.http.put(url, json={"preset": "cheongwadae-petition"}, headers=hdr(OPERATOR))).status_code == 403
    r = await svc.http.put(url, json={"preset": "nope"}, headers=hdr(admin))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_preset")
    r = await svc.http.put(url, json={"preset": "cheongwadae-petition"}, headers=hdr(admin))
    assert r.status_code == 200
    assert (r.json()["id"], r.json()["agency"]) == ("cheongwadae-petition", agency)

    petition = await svc.propose(citizen, title="청원 시험 제안입니다")
    item = petition["id"]
    assert (petition["rule_set_id"], petition["listed"], petition["stage"]) == (
        "cheongwadae-petition",
        False,
        "proposed",
    )
    assert (await svc.http.get(f"/proposals/{before['id']}")).json()["rule_set_id"] == "democracy-seoul-2019"
    listed = (await svc.http.get("/proposals", params={"limit": 100})).json()["items"]
    assert item not in {it["id"] for it in listed}
    assert (await svc.http.get(f"/proposals/{item}")).status_code == 200  # by direct link

    await svc.deliver(tally(item, 100, 1, 10))
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert (got["listed"], got["stage"]) == (True, "supporting")
    listed = (await svc.http.get("/proposals", params={"limit": 100})).json()["items"]
    assert item in {it["id"] for it in listed}


async def test_an_agency_publishes_its_own_versioned_rules(svc: Svc) -> None:
    agency = f"own-{RUN}"
    citizen = CITIZEN.model_copy(update={"agency": agency})
    admin = Actor(account_id="acc-admin", role=ActorRole.AGENCY_ADMIN, agency=agency)
    url = f"/agencies/{agency}/ruleset"
    own = {
        "name": "구민 제안 규칙",
        "close_after_days": 45,
        "rules": [
            {
                "id": "s30",
                "metric": "supports",
                "threshold": 30,
                "window_days": 45,
                "action": "department_answer",
                "due_days": 14,
                "label": "공감 30개: 부서 답변",
            },
            {"id": "s300", "metric": "supports", "threshold": 300, "action": "head_answer", "due_days": 30},
        ],
    }
    assert (await svc.http.put(url, json=own, headers=hdr(CITIZEN))).status_code == 403
    before = await svc.propose(citizen)
    for bad, code in [
        ({**own, "preset": "oasis"}, "validation_error"),  # a preset or own rules, not both
        ({**own, "rules": [own["rules"][0], own["rules"][0]]}, "invalid_rule_set"),  # ids repeat
        ({**own, "rules": [{**own["rules"][0], "threshold": None, "threshold_ratio": 0.01}]}, "invalid_rule_set"),
        ({**own, "rules": [{**own["rules"][0], "action": "launch"}]}, "validation_error"),
    ]:
        r = await svc.http.put(url, json=bad, headers=hdr(admin))
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), bad
    r = await svc.http.put(url, json=own, headers=hdr(admin))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["id"], got["version"], got["support_window_days"]) == (f"{agency}-own", 1, 45)
    assert [(x["id"], x["effective_threshold"], x["due_days"]) for x in got["rules"]] == [
        ("s30", 30, 14),
        ("s300", 300, 30),
    ]

    item = (await svc.propose(citizen, title="구민 규칙 시험 제안"))["id"]
    opened = (await svc.http.get(f"/proposals/{item}")).json()
    assert (opened["rule_set_id"], opened["rule_set_version"], opened["next_threshold"]["threshold"]) == (
        f"{agency}-own",
        1,
        30,
    )
    await svc.deliver(tally(item, 31, 1, 1))
    await svc.deliver(tally(item, 31, 1, 1))
    [reached] = await svc.outbox(item, "proposal.milestone_reached")
    assert (reached["data"]["rule_id"], reached["data"]["action"], reached["data"]["due_days"]) == (
        "s30",
        "department_answer",
        14,
    )
    # A new version for new items; the item keeps version 1, the older item its preset.
    r = await svc.http.put(url, json={**own, "rules": own["rules"][1:]}, headers=hdr(admin))
    assert (r.status_code, r.json()["version"]) == (200, 2)
    assert (await svc.http.get(f"/proposals/{item}")).json()["rule_set_version"] == 1
    assert (await svc.http.get(f"/proposals/{before['id']}")).json()["rule_set_id"] == "democracy-seoul-2019"
    assert (await svc.propose(citizen))["rule_set_version"] == 2
    r = await svc.http.put(url, json={"preset": "oasis"}, headers=hdr(admin))
    assert (r.status_code, r.json()["id"]) == (200, "oasis")
    versions = (await svc.http.get(f"{url}/versions")).json()["items"]
    assert [(v["version"], v["preset"]) for v in versions] == [(3, "oasis"), (2, None), (1, None)]
    assert [x["id"] for x in versions[2]["rule_set"]["rules"]] == ["s30", "s300"]


async def test_scan_expires_windows_and_closes_items_once(svc: Svc) -> None:
    agency = f"join-{RUN}"
    admin = Actor(account_id="acc-admin", role=ActorRole.AGENCY_ADMIN, agency=agency)
    r = await svc.http.put(f"/agencies/{agency}/ruleset", json={"preset": "taiwan-join"}, headers=hdr(admin))
    assert r.status_code == 200
    now = svc.clock.now()
    svc.clock.advance(-timedelta(days=61))  # the item opened 61 days ago
    item = (await svc.propose(CITIZEN.model_copy(update={"agency": agency})))["id"]
    svc.clock.advance(timedelta(days=61))
    assert (await svc.http.get(f"/proposals/{item}")).json()["days_left"] == 0

    scan = svc.app.state.expiry_scan
    assert await scan() >= 2
    assert await scan() == 0
    [expired] = await svc.outbox(item, "proposal.rule_expired")
    assert expired["data"]["rule_id"] == "supports-5000"
    [closed] = await svc.outbox(item, "proposal.closed")
    assert closed["data"]["reason"] == "support_window_ended"
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert got["stage"] == "closed"
    assert got["next_threshold"] is None
    kinds = [e["kind"] for e in await svc.timeline(item)]
    assert kinds == ["proposal.submitted", "proposal.rule_expired", "proposal.closed"]
    # A snapshot that arrives after the window counts for nothing.
    await svc.deliver(TallyUpdated(item_id=item, kind="support", total=6000, as_of=now, seq=9))
    assert await svc.outbox(item, "proposal.milestone_reached") == []


async def test_a_department_review_holds_the_support_window_open_until_its_answer_is_published(svc: Svc) -> None:
    """제안숙성: supports and comments stay open while a department prepares its answer; the window
    that ended meanwhile closes with the answer, at the moment it was published."""
    agency = f"held-{RUN}"
    admin = Actor(account_id="acc-admin", role=ActorRole.AGENCY_ADMIN, agency=agency)
    r = await svc.http.put(f"/agencies/{agency}/ruleset", json={"preset": "taiwan-join"}, headers=hdr(admin))
    assert r.status_code == 200
    svc.clock.advance(-timedelta(days=61))  # opened 61 days ago; its 60-day window has ended
    item = (await svc.propose(CITIZEN.model_copy(update={"agency": agency})))["id"]
    svc.clock.advance(timedelta(days=61))
    case = ReviewCaseOpened(
        case_id=f"case-held-{RUN}",
        item_id=item,
        department_id="d-parks",
        department_name="공원조성과",
        due_at=svc.clock.now() + timedelta(days=20),
        reason="milestone",
    )
    await svc.deliver(case, source="review-svc")

    scan = svc.app.state.expiry_scan
    await scan()
    assert await svc.outbox(item, "proposal.closed") == []
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert (got["stage"], got["closed_at"]) == ("review", None)
    await svc.deliver(TallyUpdated(item_id=item, kind="support", total=7, as_of=svc.clock.now(), seq=3))
    assert (await svc.http.get(f"/proposals/{item}")).json()["support_count"] == 7  # still counting

    published_at = svc.clock.now() + timedelta(days=3)
    svc.clock.advance(timedelta(days=3, minutes=5))
    answer = ReviewAnswerPublished(
        case_id=case.case_id,
        item_id=item,
        department_id="d-parks",
        department_name="공원조성과",
        decision="partial",
        reason="예산 범위 안에서",
        answer="일부 공원에 설치하겠습니다.",
        approved_by="acc-op",
        published_at=published_at,
    )
    await svc.deliver(answer, source="review-svc")
    await scan()
    [closed] = await svc.outbox(item, "proposal.closed")
    assert datetime.fromisoformat(closed["data"]["closed_at"]) == published_at
    assert (await svc.http.get(f"/proposals/{item}")).json()["stage"] == "answered"


async def test_meta_and_rulesets(svc: Svc) -> None:
    meta = (await svc.http.get("/meta")).json()
    assert len(meta["districts"]) == 25
    assert {"key": "welfare", "ko": "복지", "en": "Welfare"} in meta["categories"]
    assert "decide-madrid" in {p["id"] for p in meta["presets"]}
    rs = (await svc.http.get("/rulesets/decide-madrid")).json()
    assert rs["rules"][0]["effective_threshold"] == 27_000
    assert rs["decision_vote"]["open_days"] == 7
    assert (await svc.http.get("/rulesets/nope")).status_code == 404


async def test_indexes_serve_the_list_and_deadline_queries(svc: Svc) -> None:
    keys = [list(ix["key"].items()) for ix in await (await svc.rt.db.proposals.list_indexes()).to_list(None)]
    for wanted in list_indexes():
        assert [(k, int(v)) for k, v in wanted] in [[(k, int(v)) for k, v in have] for have in keys]
    assert [("next_deadline_at", 1)] in keys
    tl = [list(ix["key"].items()) for ix in await (await svc.rt.db.timeline.list_indexes()).to_list(None)]
    assert [("item_id", 1), ("seq", 1)] in tl


def stages(plan: Any) -> list[str]:
    if isinstance(plan, dict):
        return ([plan["stage"]] if "stage" in plan else []) + [s for v in plan.values() for s in stages(v)]
    if isinstance(plan, list):
        return [s for v in plan for s in stages(v)]
    return []


async def explain(svc: Svc, coll: str, flt: dict[str, Any], sort: dict[str, int]) -> list[str]:
    cmd = {"find": coll, "filter": flt, "sort": sort, "limit": 21}
    res = await svc.rt.db.command("explain", cmd, verbosity="queryPlanner")
    return stages(res["queryPlanner"]["winningPlan"])


async def test_the_service_queries_are_planned_on_indexes(svc: Svc) -> None:
    # The lists read narrow windows and sort in the service (adapters/listing.py): each query is
    # equality fields an index starts with, plus one range.
    none: dict[str, int] = {}
    window = {"$gte": T0, "$lt": T0 + timedelta(days=1)}
    queries = [
        # latest: the first window (open above), later windows, the rest of a tie after a cursor
        ("proposals", {"browsable": True, "created_at": {"$gte": T0}}, none),
        ("proposals", {"browsable": True, "category": "culture", "created_at": window}, none),
        ("proposals", {"browsable": True, "category": "culture", "created_at": T0, "_id": {"$lt": "pr_z"}}, none),
        ("proposals", {"browsable": True, "district": "mapo", "created_at": window}, none),
        ("proposals", {"browsable": True, "stage": "review", "created_at": window}, none),
        ("proposals", {"browsable": True, "hashtags": "따릉이", "created_at": window}, none),
        ("proposals", {"browsable": True, "agency": "seoul", "created_at": window}, none),
        ("proposals", {"browsable": True, "title_tokens": "자전", "created_at": window}, none),
        # popular: ranges of counts, then one count at a time in windows of time, and ties
        ("proposals", {"browsable": True, "support_count": {"$gte": 1024}}, none),
        ("proposals", {"browsable": True, "category": "culture", "support_count": {"$gte": 16, "$lt": 512}}, none),
        ("proposals", {"browsable": True, "district": "mapo", "support_count": 3, "created_at": window}, none),
        ("proposals", {"browsable": True, "hashtags": "따릉이", "support_count": 0, "created_at": {"$gte": T0}}, none),
        ("proposals", {"browsable": True, "title_tokens": "자전", "support_count": {"$gte": 1024}}, none),
        (
            "proposals",
            {"browsable": True, "support_count": 3, "created_at": T0, "_id": {"$lt": "pr_z"}},
            none,
        ),
        # the admin console's status tabs
        ("proposals", {"status": "trash", "agency": "seoul", "created_at": window}, none),
        ("proposals", {"status": "private", "agency": "seoul", "support_count": 2, "created_at": window}, none),
        ("proposals", {"next_deadline_at": {"$gte": DEADLINE_FLOOR, "$lt": T0}}, {"next_deadline_at": 1}),
        ("timeline", {"item_id": "pr_x"}, {"item_id": 1, "seq": 1}),
        # comments, their replies, the moderation queue and the audit log
        ("comments", {"item_id": "pr_x", "depth": 0, "created_at": window}, none),
        ("comments", {"item_id": "pr_x", "depth": 0, "created_at": T0, "_id": {"$lt": "cm_z"}}, none),
        ("comments", {"parent_id": {"$in": ["cm_a", "cm_b"]}}, {"parent_id": 1, "created_at": 1, "_id": 1}),
        ("moderation_queue", {"agency": "seoul", "status": "open"}, {"opened_at": 1, "_id": 1}),
        ("audit_log", {"agency": "seoul", "target_id": "pr_x"}, {"at": 1, "_id": 1}),
    ]
    for coll, flt, sort in queries:
        plan = await explain(svc, coll, flt, sort)
        assert "IXSCAN" in plan, (coll, flt, plan)
        assert "COLLSCAN" not in plan, (coll, flt, plan)


async def test_an_agency_sets_its_census_for_share_rules(svc: Svc) -> None:
    agency = f"madrid-{RUN}"
    admin = Actor(account_id="acc-admin", role=ActorRole.AGENCY_ADMIN, agency=agency)
    url = f"/agencies/{agency}/ruleset"
    r = await svc.http.put(url, json={"preset": "decide-madrid", "census": 3_300_000}, headers=hdr(admin))
    assert r.status_code == 200
    assert r.json()["rules"][0]["effective_threshold"] == 33_000
    r = await svc.http.put(url, json={"preset": "decide-madrid", "census": 0}, headers=hdr(admin))
    assert r.status_code == 422
    item = (await svc.propose(CITIZEN.model_copy(update={"agency": agency})))["id"]
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert (got["rule_set_id"], got["next_threshold"]["threshold"]) == ("decide-madrid", 33_000)
    await svc.deliver(tally(item, 32_999, 1, 60))
    assert await svc.outbox(item, "proposal.milestone_reached") == []
    await svc.deliver(tally(item, 33_000, 2, 61))
    [reached] = await svc.outbox(item, "proposal.milestone_reached")
    assert (reached["data"]["action"], reached["data"]["due_days"]) == ("open_decision_vote", 90)


async def test_counts_rise_apart_from_the_document_and_fold_into_it(svc: Svc) -> None:
    """Tallies raise the live counts, which every read shows at once; the proposal's document
    (twenty index entries and more, each rewritten by SecantusDB on any change) is written only by
    the fold, once per item however many batches came before it."""
    item = (await svc.propose(title="실시간 공감 수 시험"))["id"]
    db = svc.rt.db
    live = svc.app.state.components.proposals.proposals.live
    while live.pending:  # what earlier tests raised
        await live.fold()
    for n in (3, 7, 12):
        await svc.deliver(tally(item, n, n, n))
    assert (await svc.http.get(f"/proposals/{item}")).json()["support_count"] == 12
    assert (await db.proposals.find_one({"_id": item}))["support_count"] == 0
    assert await live.fold() == 1
    assert (await db.proposals.find_one({"_id": item}))["support_count"] == 12
    assert await live.fold() == 0  # nothing raised since
    # A snapshot arriving late lowers nothing.
    await svc.deliver(tally(item, 5, 5, 5))
    assert (await svc.http.get(f"/proposals/{item}")).json()["support_count"] == 12
    # Raised by a process that stopped before folding: the next one folds it when it starts.
    await db.live_counts.update_one({"_id": item}, {"$set": {"support_count": 15}})
    restarted = LiveCounts(db)
    await restarted.fold_everything_later()
    written = 0
    while restarted.pending:
        written += await restarted.fold()
    assert written >= 1
    assert (await db.proposals.find_one({"_id": item}))["support_count"] == 15


async def test_a_recount_repairs_a_count_downwards_on_the_page_and_in_the_lists(svc: Svc) -> None:
    """Counts only rise, except when voting-svc recounted an item from its ledger and marked the
    snapshot `repaired`: then the lower count replaces the higher one, on the page at once and in
    the document the lists sort by at the next fold; later votes rise from it as usual."""
    item = (await svc.propose(title="재집계로 공감 수가 줄어드는 제안"))["id"]
    live = svc.app.state.components.proposals.proposals.live
    await svc.deliver(tally(item, 12, 5, 5))
    while live.pending:
        await live.fold()
    assert (await svc.rt.db.proposals.find_one({"_id": item}))["support_count"] == 12

    repaired = tally(item, 9, 6, 6).model_copy(update={"repaired": True})
    await svc.deliver(repaired)
    assert (await svc.http.get(f"/proposals/{item}")).json()["support_count"] == 9
    while live.pending:
        await live.fold()
    assert (await svc.rt.db.proposals.find_one({"_id": item}))["support_count"] == 9
    await svc.deliver(tally(item, 10, 7, 7))
    assert (await svc.http.get(f"/proposals/{item}")).json()["support_count"] == 10
    while live.pending:
        await live.fold()
    assert (await svc.rt.db.proposals.find_one({"_id": item}))["support_count"] == 10
    doc = await svc.rt.db.live_counts.find_one({"_id": item})
    assert "lowered" not in doc  # repaired and folded: an ordinary count again


async def test_a_fold_pass_writes_a_bounded_number_of_documents_the_furthest_behind_first(svc: Svc) -> None:
    """Under spread load not every raised item's document can be rewritten each pass: a pass
    writes up to its budget, choosing the documents most wrong for the lists, and the rest follow."""
    items = [(await svc.propose(title=f"접어 넣기 예산 시험 {n}"))["id"] for n in range(4)]
    db = svc.rt.db
    live = LiveCounts(db)  # a fresh memory: only what this test raises
    await live.raise_many({(items[0], "support_count"): 3, (items[1], "support_count"): 40})
    await live.raise_many({(items[2], "support_count"): 1, (items[3], "support_count"): 9})
    assert await live.fold(budget=2) == 2
    counts = {d["_id"]: d["support_count"] async for d in db.proposals.find({"_id": {"$in": items}})}
    assert counts == {items[0]: 0, items[1]: 40, items[2]: 0, items[3]: 9}
    assert live.pending == 2
    assert await live.fold(budget=2) == 2
    counts = {d["_id"]: d["support_count"] async for d in db.proposals.find({"_id": {"$in": items}})}
    assert counts == {items[0]: 3, items[1]: 40, items[2]: 1, items[3]: 9}
    assert live.pending == 0


async def test_a_replica_remembering_an_older_state_never_fires_a_rule_twice(svc: Svc) -> None:
    """Each replica remembers the items' rules and what had happened under them as last read; that
    memory is only ever behind, so it may send a reading to be checked again, never fire twice."""
    item = (await svc.propose(title="두 복제본이 같은 항목의 공감을 받습니다"))["id"]
    ours: TallyService = svc.app.state.components.tallies
    other = TallyService(ours.proposals, ours.deliberations)  # another replica, with its own memory
    await svc.deliver(tally(item, 10, 1, 1))  # ours now remembers: nothing fired yet

    async def apply_there(tx: Any) -> list[Any]:
        return await other.apply_tallies(tx, [tally(item, 52, 2, 2)])

    assert [f.rule.id for f in await svc.rt.store.transaction(apply_there)] == ["supports-50"]
    await svc.deliver(tally(item, 55, 3, 3))  # ours still remembers "nothing fired"
    await svc.deliver(tally(item, 56, 4, 4))
    assert [e["data"]["rule_id"] for e in await svc.outbox(item, "proposal.milestone_reached")] == ["supports-50"]
    got = (await svc.http.get(f"/proposals/{item}")).json()
    assert (got["support_count"], [m["rule_id"] for m in got["milestones"]]) == (56, ["supports-50"])
