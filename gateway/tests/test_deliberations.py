"""Debates and consultations through the gateway app (real Mongo/Redis/Kafka via `infra`), with
the services replaced by a recording HTTP server: the API forwards, the pages show the vote UI of
each of the four types, D-day and the published results, and the vote form sends the choices."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_gateway.site.deliberation_views import ResultView, choices_from_form

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KST = timezone(timedelta(hours=9))
# Noon in Seoul twelve calendar days on: D-day counts Seoul dates, whatever the hour the test runs.
CLOSES = datetime.combine(datetime.now(KST).date() + timedelta(days=12), time(12), KST).isoformat()
OPTIONS = [
    {"id": "yes", "label": "보호조치 찬성"},
    {"id": "no", "label": "보호조치 반대"},
    {"id": "other", "label": "기타 의견"},
]
NO_RESULT: dict[str, Any] = {"published": False, "total": None, "options": [], "questions": []}


def item(item_id: str, vote_type: str, ballot: dict[str, Any], **over: Any) -> dict[str, Any]:
    """The shape of proposal-svc's detail view."""
    return {
        "id": item_id,
        "kind": "consultation",
        "title": "재개발, 재건축시 길고양이 보호조치를 만들면 어떨까요?",
        "excerpt": "길고양이",
        "body": "재개발 지역의 길고양이를 어떻게 보호할까요?",
        "category": "environment",
        "vote_type": vote_type,
        "status": "open",
        "opens_at": "2019-09-12T00:00:00+00:00",
        "closes_at": CLOSES,
        "participants": 42,
        "source_item_id": None,
        "answer_due_days": 60,
        "ballot": {"vote_type": vote_type, "options": [], "questions": [], "max_choices": 1, **ballot},
        "results": NO_RESULT,
        **over,
    }


CHOICE = item("cs_choice", "choice", {"options": OPTIONS})
MULTI = item(
    "cs_multi",
    "multi",
    {"options": [{"id": f"o{i}", "label": f"방안 {i}"} for i in range(5)], "max_choices": 3},
)
RESEARCH = item(
    "cs_research",
    "research",
    {
        "questions": [
            {
                "id": "q1",
                "label": "길고양이에 관심이 있나요?",
                "options": [{"id": "a", "label": "관심이 있다"}, {"id": "b", "label": "관심 없다"}],
            },
            {
                "id": "q2",
                "label": "누가 나서야 할까요?",
                "options": [{"id": "a", "label": "민관이 협조"}, {"id": "b", "label": "시민"}],
            },
        ]
    },
)
DISCUSSION = item("db_talk", "discussion", {}, kind="debate", source_item_id="pr_1", answer_due_days=30)
CLOSED = item(
    "cs_done",
    "choice",
    {"options": OPTIONS},
    status="closed",
    results={
        "published": True,
        "total": 369,
        "published_at": "2019-11-21T00:00:00+00:00",
        "options": [
            {"id": "yes", "label": "찬성", "count": 115, "percent": 31.2},
            {"id": "no", "label": "반대", "count": 251, "percent": 68.0},
            {"id": "other", "label": "기타", "count": 3, "percent": 0.8},
        ],
        "questions": [],
    },
)


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    for doc in (CHOICE, MULTI, RESEARCH, CLOSED):
        services.on("GET", f"/consultations/{doc['id']}", (200, doc))
        services.on("GET", f"/deliberations/{doc['id']}/timeline", (200, {"items": []}))
        services.on("GET", f"/items/{doc['id']}/cases", (200, {"items": []}))
    services.on("GET", "/debates/db_talk", (200, DISCUSSION))
    services.on("GET", "/consultations", (200, {"items": [CHOICE, CLOSED], "next_cursor": "cs_done"}))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-deliberations", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf field on the page"
    return match.group(1)


async def test_consultation_api_forwards_the_asker_and_the_ballot(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    services.on("POST", "/consultations", (201, {"id": "cs_new"}))
    token = await kit.register_and_login(client, "asker@example.org")
    body: dict[str, Any] = {
        "title": "고척스카이돔 플라스틱 응원봉",
        "body": "금지하면 어떨까요?",
        "category": "environment",
    }
    body |= {"vote_type": "choice", "options": OPTIONS, "days": 30}
    r = await client.post("/api/consultations", json=body, headers=kit.bearer(token))
    assert r.status_code == 201
    call = services.calls("POST", "/consultations")[-1]
    assert call.json() == body
    assert call.actor().account_id

    before = len(services.calls("POST", "/consultations"))
    bad = await client.post("/api/consultations", json={**body, "vote_type": "ranked"}, headers=kit.bearer(token))
    assert bad.status_code == 422
    assert len(services.calls("POST", "/consultations")) == before  # refused at the gateway

    r = await client.get("/api/consultations", params={"limit": 5, "cursor": "cs_x"})
    assert r.status_code == 200
    assert services.calls("GET", "/consultations")[-1].query == {"limit": "5", "cursor": "cs_x"}
    services.on("POST", "/debates", (409, {"error": {"code": "not_debate_candidate", "message": "x", "details": None}}))
    r = await client.post(
        "/api/debates", json={"proposal_id": "pr_1", "vote_type": "discussion"}, headers=kit.bearer(token)
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_debate_candidate")
    services.on("GET", "/deliberations/cs_done/results", (200, CLOSED["results"]))
    assert (await client.get("/api/items/cs_done/results")).json()["total"] == 369


async def test_votes_need_a_verified_citizen_and_reach_voting_svc(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    services.on("POST", "/items/cs_choice/votes", (201, {"item_id": "cs_choice", "kind": "choice", "counted": True}))
    assert (await client.post("/api/items/cs_choice/votes", json={"choices": ["yes"]})).status_code == 401
    token = await kit.register_and_login(client, "voter@example.org", name="투표자")
    r = await client.post("/api/items/cs_choice/votes", json={"choices": ["yes"]}, headers=kit.bearer(token))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "verification_required")
    assert services.calls("POST", "/items/cs_choice/votes") == []
    token = await kit.verify(client, token, "투표자", "1988-08-08", "010-8888-0000")
    r = await client.post("/api/items/cs_choice/votes", json={"choices": ["yes"]}, headers=kit.bearer(token))
    assert r.status_code == 201
    call = services.calls("POST", "/items/cs_choice/votes")[-1]
    assert call.json() == {"choices": ["yes"]}
    assert call.actor().citizen_key
    assert (
        await client.post("/api/items/bad$id/votes", json={"choices": []}, headers=kit.bearer(token))
    ).status_code == 422


async def test_each_vote_type_has_its_own_form(client: httpx.AsyncClient) -> None:
    choice = (await client.get("/consultations/cs_choice")).text
    assert "투표유형 : 찬반형" in choice
    assert "D-12" in choice
    for o in OPTIONS:  # shown to a visitor too, to be enabled by signing in
        assert re.search(f'type="radio" name="choice" value="{o["id"]}" required disabled> {o["label"]}', choice)
    assert "로그인하고 참여하기" in choice
    assert "투표가 끝나면 결과를 공개합니다" in choice

    multi = (await client.get("/consultations/cs_multi")).text
    assert "최대 3개 선택" in multi
    assert multi.count('type="checkbox" name="choice"') == 5
    assert 'data-max-choices="3"' in multi

    research = (await client.get("/consultations/cs_research")).text
    assert "Q 01. 길고양이에 관심이 있나요?" in research
    assert research.count('name="q_q1"') == 2
    assert research.count('name="q_q2"') == 2

    talk = (await client.get("/debates/db_talk")).text
    assert "공감에 투표해 주세요. 토론/의견은 댓글로!" in talk
    assert 'href="/proposals/pr_1#comments">댓글로 토론하기' in talk  # the debate's proposal holds its comments

    assert (await client.get("/consultations/nope$")).status_code == 404


async def test_the_published_result_is_drawn_as_bars(client: httpx.AsyncClient) -> None:
    html = (await client.get("/consultations/cs_done")).text
    assert "총 <strong>369</strong>명 참여" in html
    for shown in ("115명 (31.2%)", "251명 (68.0%)", "3명 (0.8%)", "width: 68%"):
        assert shown in html
    assert 'name="choice"' not in html  # no voting once closed
    listing = (await client.get("/consultations")).text
    assert "결과공개" in listing
    assert "?cursor=cs_done" in listing


async def test_the_vote_form_sends_the_choices_of_its_type(client: httpx.AsyncClient, services: Any) -> None:
    r = await client.post(
        "/register", data={"email": "form@example.org", "display_name": "폼", "password": "password-123"}
    )
    assert r.status_code == 303
    form = (await client.get("/verify")).text
    r = await client.post(
        "/verify",
        data={"name": "김폼", "birth_date": "1990-01-02", "phone": "010-1234-0000", "next": "/", "csrf": csrf_of(form)},
    )
    assert r.status_code == 303
    page = (await client.get("/consultations/cs_research")).text
    assert "투표완료</button>" in page
    assert 'name="q_q1" value="a" required>' in page  # enabled for a verified citizen
    token = csrf_of(page)

    services.on("POST", "/items/cs_research/votes", (201, {"counted": True}))
    data = {"csrf": token, "kind": "consultation", "vote_type": "research", "q_q1": "a", "q_q2": "b"}
    r = await client.post("/items/cs_research/vote", data=data)
    assert r.headers["location"] == "/consultations/cs_research?m=voted"
    assert services.calls("POST", "/items/cs_research/votes")[-1].json() == {"choices": ["q1:a", "q2:b"]}
    assert "참여해 주셔서 감사합니다" in (await client.get(r.headers["location"])).text

    closed = {"error": {"code": "voting_closed", "message": "x", "details": None}}
    services.on(
        "POST",
        "/items/cs_multi/votes",
        (422, {"error": {"code": "invalid_choice", "message": "x", "details": None}}),
        (409, closed),
    )
    multi = {"csrf": token, "kind": "consultation", "vote_type": "multi", "choice": ["o0", "o1", "o2", "o3"]}
    r = await client.post("/items/cs_multi/vote", data=multi)
    assert r.headers["location"] == "/consultations/cs_multi?m=invalid"
    assert services.calls("POST", "/items/cs_multi/votes")[-1].json() == {"choices": ["o0", "o1", "o2", "o3"]}
    r = await client.post("/items/cs_multi/vote", data=multi)
    assert r.headers["location"] == "/consultations/cs_multi?m=closed"

    r = await client.post("/items/db_talk/vote", data={"csrf": "forged", "kind": "debate", "vote_type": "discussion"})
    assert r.headers["location"] == "/debates/db_talk?m=expired"


def test_form_fields_become_choices() -> None:
    assert choices_from_form("discussion", {"choice": ["yes"]}) == []
    assert choices_from_form("choice", {"choice": ["no"], "csrf": ["t"]}) == ["no"]
    assert choices_from_form("research", {"q_q1": ["a"], "q_q2": ["b"], "choice": ["x"]}) == ["q1:a", "q2:b"]
    assert ResultView.of({"published": False}) is None
    view = ResultView.of(CLOSED["results"])
    assert view is not None
    assert [(b.label, b.count, b.width) for b in view.bars] == [("찬성", 115, 31), ("반대", 251, 68), ("기타", 3, 1)]
