"""The public site through the gateway app: pages, forms with the cookie session, and a friendly
Korean page with 503 when services are down."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# The shape of proposal-svc's detail view.
PROPOSAL: dict[str, Any] = {
    "id": "p_1",
    "agency": "seoul",
    "title": "공중화장실 이용 순서를 알려주는 화장실 문",
    "excerpt": "영화를 보고 공중 화장실에 가면 줄이 깁니다.",
    "body": "영화를 보고 공중 화장실에 가면 줄이 깁니다.\n순서를 알려 주세요.",
    "category": "welfare",
    "district": "mapo",
    "author": {"account_id": "acc_9", "name": "은설량", "role": "citizen"},
    "support_count": 20,
    "stage": "supporting",
    "rule_set_id": "democracy-seoul-2019",
    "next_threshold": {
        "rule_id": "r1",
        "metric": "supports",
        "threshold": 50,
        "action": "department_answer",
        "value": 20,
        "deadline": None,
    },
    "milestones": [
        {"metric": "supports", "threshold": 10, "action": "make_public", "reached_at": "2019-09-12T02:00:00Z"}
    ],
    "hashtags": ["화장실"],
    "created_at": "2019-09-12T01:00:00+00:00",
    "closes_at": (datetime.now(UTC) + timedelta(days=10, hours=12)).isoformat(),
}
TIMELINE = {
    "items": [
        {
            "at": "2019-09-12T01:00:00Z",
            "kind": "submitted",
            "actor_role": "citizen",
            "summary": "제안 등록",
            "data": {},
        },
        {"at": "2019-09-13T01:00:00Z", "kind": "milestone", "actor_role": "system", "summary": "50 공감", "data": {}},
        {"at": "2019-09-14T01:00:00Z", "kind": "answer", "actor_role": "officer", "summary": "답변 제출", "data": {}},
        {"at": "2019-09-15T01:00:00Z", "kind": "published", "actor_role": "operator", "summary": "승인", "data": {}},
    ]
}
CASES = {
    "items": [
        {
            "id": "c_1",
            "department_name": "생활보건과",
            "decision": "accept",
            "answer": "내년 상반기부터 시범 설치하겠습니다.",
            "published_at": "2019-09-15T01:00:00Z",
            "status": "published",
        }
    ]
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    services.on("GET", "/proposals/p_1", (200, PROPOSAL))
    services.on("GET", "/proposals/p_1/timeline", (200, TIMELINE))
    services.on("GET", "/items/p_1/cases", (200, CASES))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-site", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def browser(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf field on the page"
    return match.group(1)


async def sign_up(browser: httpx.AsyncClient, email: str, name: str = "시민") -> None:
    r = await browser.post("/register", data={"email": email, "display_name": name, "password": "password-123"})
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/verify")
    assert "gongnon_session" in browser.cookies


async def test_home_lists_proposals_escaped_with_filters(browser: httpx.AsyncClient, services: Any) -> None:
    card = {k: v for k, v in PROPOSAL.items() if k not in ("body", "author", "next_threshold", "milestones")}
    evil = {**card, "id": "p_evil", "title": "<script>alert(1)</script>", "support_count": 1234}
    services.on("GET", "/proposals", (200, {"items": [card, evil], "next_cursor": "c2"}))
    r = await browser.get("/")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="ko">' in html
    assert "시민제안" in html
    assert "누적 공감" in html
    assert PROPOSAL["title"] in html
    assert PROPOSAL["excerpt"] in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "공감 1,234" in html
    assert "복지" in html
    assert "마포구" in html
    assert "cursor=c2" in html

    r = await browser.get("/", params={"tab": "popular", "category": "transport"})
    assert r.status_code == 200
    assert services.calls("GET", "/proposals")[-1].query == {"sort": "popular", "category": "transport", "limit": "20"}
    await browser.get("/", params={"category": "<nope>"})
    assert services.calls("GET", "/proposals")[-1].query == {"sort": "latest", "limit": "20"}


async def test_proposal_page_for_a_visitor(browser: httpx.AsyncClient) -> None:
    r = await browser.get("/proposals/p_1")
    assert r.status_code == 200
    html = r.text
    assert PROPOSAL["title"] in html
    assert "은설량" in html
    assert "복지" in html
    assert "마포구" in html
    assert "공감 20" in html
    assert 'aria-valuenow="20"' in html
    assert 'aria-valuemax="50"' in html
    assert "width: 40%" in html
    assert "공감 50에 이르면 부서답변" in html
    assert re.search(r"<strong>D-1[01]</strong>", html)
    assert "10 공감 달성 → 공개 (2019.09.12)" in html
    for role in ("시민", "시스템", "담당부서", "운영자"):
        assert f"<strong>{role}</strong>" in html
    assert "생활보건과" in html
    assert "수용" in html
    assert "내년 상반기부터 시범 설치하겠습니다." in html
    assert "2019.09.12 10:00" in html  # shown in Korean time
    assert "/login?next=/proposals/p_1" in html
    assert "공감하기</button>" not in html


async def test_unknown_and_malformed_proposals_are_404_pages(browser: httpx.AsyncClient) -> None:
    r = await browser.get("/proposals/p_missing")
    assert r.status_code == 404
    assert "찾을 수 없습니다" in r.text
    r = await browser.get("/proposals/..%2F..%2Fadmin")
    assert r.status_code == 404


async def test_site_paths_answer_with_pages_and_the_api_with_json(browser: httpx.AsyncClient) -> None:
    for path in ("/proposals", "/no/such/page"):
        r = await browser.get(path)
        assert r.status_code == 404, path
        assert "text/html" in r.headers["content-type"]
        assert '<html lang="ko">' in r.text
        assert "찾을 수 없습니다" in r.text
    r = await browser.delete("/proposals/p_1")
    assert r.status_code == 405
    assert "text/html" in r.headers["content-type"]
    assert "GET" in r.headers["allow"]
    for path in ("/api/no-such-route", "/api"):
        api = await browser.get(path)
        assert api.status_code == 404, path
        assert api.json()["error"]["code"] == "not_found"
    api = await browser.delete("/api/proposals")
    assert api.status_code == 405
    assert api.json()["error"]["code"] == "method_not_allowed"


async def test_head_is_get_without_a_body(browser: httpx.AsyncClient) -> None:
    for path in ("/", "/proposals/p_1", "/login"):
        page = await browser.get(path)
        head = await browser.head(path)
        assert head.status_code == page.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == page.headers["content-type"]
    missing = await browser.head("/no/such/page")
    assert missing.status_code == 404
    assert missing.content == b""


async def test_an_unexpected_failure_is_a_500_page_on_the_site_and_json_on_the_api(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("a secret detail")

    for path in ("/boom-page", "/api/boom"):
        app.router.add_api_route(path, boom, methods=["GET"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        page = await c.get("/boom-page")
        api = await c.get("/api/boom")
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    assert "일시적인 오류가 발생했습니다" in page.text
    assert "a secret detail" not in page.text
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "internal"
    assert "a secret detail" not in api.text


async def test_a_failing_review_panel_does_not_break_the_page(browser: httpx.AsyncClient, services: Any) -> None:
    closed = {**PROPOSAL, "id": "p_2", "closes_at": "2019-10-11T15:00:00Z", "next_threshold": None}
    services.on("GET", "/proposals/p_2", (200, closed))
    services.on("GET", "/proposals/p_2/timeline", (200, {"items": []}))
    services.on("GET", "/items/p_2/cases", (500, {"error": {"code": "internal", "message": "x", "details": None}}))
    r = await browser.get("/proposals/p_2")
    assert r.status_code == 200
    assert "부서 답변 정보를 지금은 불러올 수 없습니다" in r.text
    assert "<strong>마감</strong>" in r.text
    assert 'role="progressbar"' not in r.text


async def test_sign_up_verify_and_support_through_forms(browser: httpx.AsyncClient, services: Any) -> None:
    await sign_up(browser, "form@example.org", "폼시민")
    page = (await browser.get("/proposals/p_1")).text
    assert "본인인증을 마친 시민만 공감할 수 있습니다" in page
    assert "/verify?next=/proposals/p_1" in page

    # An unverified citizen's support goes to verification, not to voting-svc.
    before = len(services.calls("POST", "/items/p_1/support"))
    r = await browser.post("/proposals/p_1/support", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/verify")
    assert len(services.calls("POST", "/items/p_1/support")) == before

    form = (await browser.get("/verify", params={"next": "/proposals/p_1"})).text
    bad = await browser.post(
        "/verify",
        data={"name": "김폼", "birth_date": "1991-02-03", "phone": "010-5555-6666", "next": "/proposals/p_1"},
    )
    assert bad.status_code == 403  # no csrf
    r = await browser.post(
        "/verify",
        data={
            "name": "김폼",
            "birth_date": "1991-02-03",
            "phone": "010-5555-6666",
            "next": "/proposals/p_1",
            "csrf": csrf_of(form),
        },
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/proposals/p_1?m=verified"

    page = (await browser.get("/proposals/p_1?m=verified")).text
    assert "본인인증이 완료되었습니다" in page
    assert "공감하기</button>" in page
    token = csrf_of(page)

    r = await browser.post("/proposals/p_1/support", data={"csrf": "forged"})
    assert r.headers["location"] == "/proposals/p_1?m=expired"
    assert len(services.calls("POST", "/items/p_1/support")) == before

    services.on(
        "POST",
        "/items/p_1/support",
        (201, {"item_id": "p_1", "counted": True}),
        (409, {"error": {"code": "already_voted", "message": "x", "details": None}}),
    )
    r = await browser.post("/proposals/p_1/support", data={"csrf": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/proposals/p_1?m=supported"
    call = services.calls("POST", "/items/p_1/support")[-1]
    assert call.actor().citizen_key
    assert call.actor().display_name == "폼시민"
    r = await browser.post("/proposals/p_1/support", data={"csrf": token})
    assert r.headers["location"] == "/proposals/p_1?m=already"
    assert "이미 공감한 제안입니다" in (await browser.get(r.headers["location"])).text


async def test_the_api_accepts_the_cookie_but_writes_need_the_csrf_header(
    browser: httpx.AsyncClient, services: Any
) -> None:
    await sign_up(browser, "cookie-api@example.org", "쿠키")
    me = await browser.get("/api/me")
    assert me.status_code == 200
    assert me.json()["display_name"] == "쿠키"
    services.on("POST", "/proposals", (201, {"id": "p_cookie"}))
    body = {"title": "쿠키로 보낸 제안", "body": "다른 사이트가 보낼 수 없어야 합니다", "category": "safety"}
    before = len(services.calls("POST", "/proposals"))
    r = await browser.post("/api/proposals", json=body)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    assert len(services.calls("POST", "/proposals")) == before
    csrf = csrf_of((await browser.get("/proposals/new")).text)
    r = await browser.post("/api/proposals", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


async def test_proposal_form(browser: httpx.AsyncClient, services: Any) -> None:
    r = await browser.get("/proposals/new")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/proposals/new"
    await sign_up(browser, "writer@example.org", "작성")
    form = (await browser.get("/proposals/new")).text
    assert '<option value="welfare"' in form
    assert "종로구" in form
    fields = {
        "title": "버스 정류장 그늘막",
        "body": "여름철 버스 정류장에 그늘막을 설치해 주세요",
        "category": "transport",
    }
    r = await browser.post("/proposals/new", data={**fields, "district": "jongno"})
    assert r.status_code == 403  # no csrf
    services.on(
        "POST",
        "/proposals",
        (403, {"error": {"code": "verification_required", "message": "verify first", "details": None}}),
        (201, {"id": "p_form"}),
    )
    csrf = csrf_of(form)
    r = await browser.post("/proposals/new", data={**fields, "district": "jongno", "csrf": csrf})
    assert r.status_code == 403
    assert "본인인증을 마친 시민만 제안할 수 있습니다" in r.text
    assert "버스 정류장 그늘막" in r.text  # the form keeps what was typed
    r = await browser.post("/proposals/new", data={**fields, "district": "jongno", "csrf": csrf})
    assert r.status_code == 303
    assert r.headers["location"] == "/proposals/p_form?m=proposed"
    assert services.calls("POST", "/proposals")[-1].json() == {**fields, "district": "jongno"}


async def test_login_and_logout_forms(browser: httpx.AsyncClient) -> None:
    await sign_up(browser, "login@example.org", "로그인")
    browser.cookies.clear()
    assert "gongnon_session" not in browser.cookies

    r = await browser.post("/login", data={"email": "login@example.org", "password": "wrong-pass", "next": "/"})
    assert r.status_code == 401
    assert "이메일 또는 비밀번호가 맞지 않습니다" in r.text

    r = await browser.post(
        "/login", data={"email": "login@example.org", "password": "password-123", "next": "//evil.example/x"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/?m=logged_in"  # no open redirect
    for sneaky in ("/\t/evil.example", "/\\evil.example", "https://evil.example"):
        r = await browser.post(
            "/login", data={"email": "login@example.org", "password": "password-123", "next": sneaky}
        )
        assert r.headers["location"] == "/?m=logged_in", sneaky
    r = await browser.post(
        "/login", data={"email": "login@example.org", "password": "password-123", "next": "/proposals/p_1"}
    )
    assert r.headers["location"] == "/proposals/p_1?m=logged_in"
    home = (await browser.get("/proposals/p_1")).text
    assert "로그인님" in home

    r = await browser.post("/logout", data={"csrf": csrf_of(home)})
    assert r.status_code == 303
    assert "gongnon_session" not in browser.cookies


async def test_inbox_page(browser: httpx.AsyncClient, services: Any) -> None:
    r = await browser.get("/inbox")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/inbox"

    await sign_up(browser, "inbox-site@example.org")
    note: dict[str, Any] = {
        "id": "n_1",
        "item_id": "p_1",
        "kind": "milestone",
        "title": "공감한 제안이 50 공감을 달성했습니다",
        "body": "부서 답변을 기다립니다",
        "at": "2019-09-13T01:00:00Z",
        "read": False,
    }
    services.on("GET", "/inbox", (200, {"items": [note], "unread": 1}))
    services.on("POST", "/inbox/n_1/read", (200, {"id": "n_1", "read": True}))
    page = await browser.get("/inbox")
    assert page.status_code == 200
    assert note["title"] in page.text
    assert "읽지 않음 1" in page.text
    r = await browser.post("/inbox/n_1/read", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert services.calls("POST", "/inbox/n_1/read")[-1].actor().display_name == "시민"


@pytest.fixture(scope="module")
async def outage_app(infra: Any, kit: Any) -> AsyncIterator[FastAPI]:
    dead = kit.dead_url()
    async with kit.running_gateway(
        infra, "gateway-test-outage", kit.urls(dead, dead, dead, dead), test_mode=False
    ) as a:
        yield a


async def test_pages_survive_services_being_down(outage_app: FastAPI, kit: Any) -> None:
    async with kit.client(outage_app) as browser:
        for path in ("/", "/proposals/p_1"):
            r = await browser.get(path)
            assert r.status_code == 503, path
            assert "text/html" in r.headers["content-type"]
            assert "서비스를 잠시 이용할 수 없습니다" in r.text
        # Accounts live in the gateway: signing up still works, the inbox page then degrades.
        await sign_up(browser, "outage@example.org")
        r = await browser.get("/inbox")
        assert r.status_code == 503
        assert "서비스를 잠시 이용할 수 없습니다" in r.text
        api = await browser.get("/api/proposals")
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "upstream_unavailable"


async def test_pages_and_the_api_cannot_be_framed_and_a_huge_body_is_refused_first(browser: httpx.AsyncClient) -> None:
    for path in ("/", "/proposals/p_1", "/login", "/api/proposals"):
        r = await browser.get(path)
        assert r.status_code == 200, path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY"
    # 12 MB at the proposals route: refused at the edge, before the session or the body is looked at.
    r = await browser.post("/api/proposals", content=b"{" + b" " * (12 * 1024 * 1024) + b"}")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
