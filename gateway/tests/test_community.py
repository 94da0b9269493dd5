"""Comments, follows, reports, edits and moderation through the gateway app (real infra via
`infra`), with proposal-svc replaced by a recording HTTP server: what is validated here, what is
forwarded with the actor, and what the Korean site shows and posts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

PROPOSAL: dict[str, Any] = {
    "id": "p_2",
    "title": "한강 산책로에 가로등을 달아 주세요",
    "body": "밤에 너무 어둡습니다.",
    "category": "safety",
    "district": "mapo",
    "hashtags": ["산책로"],
    "author": {"account_id": "acc_1", "name": "김제안", "role": "citizen"},
    "support_count": 0,
    "stage": "supporting",
    "created_at": "2025-06-01T01:00:00+00:00",
    "status": "public",
}
COMMENTS = {
    "items": [
        {
            "id": "cm_1",
            "created_at": "2025-06-01T02:00:00+00:00",
            "hidden": False,
            "placeholder": None,
            "body": "<b>좋은</b> 제안입니다",
            "author": {"name": "이시민", "role": "citizen"},
            "mine": False,
            "replies": [
                {
                    "id": "cm_2",
                    "created_at": "2025-06-01T03:00:00+00:00",
                    "hidden": True,
                    "placeholder": "운영정책에 따라 숨김 처리된 댓글입니다",
                    "body": None,
                    "author": None,
                    "mine": False,
                }
            ],
        }
    ],
    "next_cursor": None,
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ERR_409 = {"error": {"code": "edit_locked", "message": "locked", "details": None}}


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    services.on("GET", "/proposals/p_2", (200, PROPOSAL))
    services.on("GET", "/proposals/p_2/timeline", (200, {"items": []}))
    services.on("GET", "/items/p_2/cases", (200, {"items": []}))
    services.on("GET", "/proposals/p_2/comments", (200, COMMENTS))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-community", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


async def test_commands_are_validated_then_forwarded_with_the_actor(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    token = await kit.register_and_login(client, "community-api@test.local", name="김제안")
    auth = kit.bearer(token)
    services.on("PATCH", "/proposals/p_2", (409, ERR_409))
    r = await client.patch("/api/proposals/p_2", json={"district": None, "title": "새 제목입니다"}, headers=auth)
    assert (r.status_code, r.json()) == (409, ERR_409)
    sent = services.calls("PATCH", "/proposals/p_2")[-1]
    assert sent.json() == {"district": None, "title": "새 제목입니다"}  # null kept: it clears the district
    assert sent.actor().display_name == "김제안"
    assert (await client.patch("/api/proposals/p_2", json={"author": "x"}, headers=auth)).status_code == 422
    assert (await client.patch("/api/proposals/p_2", json={"title": "x"})).status_code == 401

    cases = [
        ("POST", "/api/proposals/p_2/withdraw", None, "/proposals/p_2/withdraw"),
        ("POST", "/api/proposals/p_2/comments", {"body": "좋아요"}, "/proposals/p_2/comments"),
        ("POST", "/api/comments/cm_1/replies", {"body": "저도요"}, "/comments/cm_1/replies"),
        ("POST", "/api/proposals/p_2/follow", None, "/proposals/p_2/follow"),
        ("DELETE", "/api/proposals/p_2/follow", None, "/proposals/p_2/follow"),
        ("POST", "/api/proposals/p_2/flags", {"reason": "spam"}, "/proposals/p_2/flags"),
        ("POST", "/api/comments/cm_1/flags", {"reason": "abuse", "detail": "욕설"}, "/comments/cm_1/flags"),
        (
            "PUT",
            "/api/proposals/p_2/visibility",
            {"visibility": "private", "reason": "중복"},
            "/proposals/p_2/visibility",
        ),
        ("POST", "/api/moderation/comment/cm_1/hide", {"reason": "욕설"}, "/moderation/comment/cm_1/hide"),
    ]
    for method, path, body, upstream in cases:
        services.on(method, upstream, (200, {"ok": True}))
        r = await client.request(method, path, json=body, headers=auth)
        assert r.status_code == 200, (path, r.text)
        got = services.calls(method, upstream)[-1]
        assert got.actor().display_name == "김제안", path
        assert got.json() == ({"reason": body["reason"], "detail": body.get("detail")} if "flags" in path else body)
        assert (await client.request(method, path, json=body)).status_code == 401, path

    # Refused at the gateway before any call: bad reasons, empty comments, unknown actions, bad ids.
    assert (await client.post("/api/proposals/p_2/flags", json={"reason": "dislike"}, headers=auth)).status_code == 422
    assert (await client.post("/api/proposals/p_2/comments", json={"body": ""}, headers=auth)).status_code == 422
    assert (await client.post("/api/moderation/comment/cm_1/delete", json={}, headers=auth)).status_code == 422
    assert (await client.post("/api/moderation/users/u_1/hide", json={}, headers=auth)).status_code == 422
    assert (await client.post("/api/comments/a b/replies", json={"body": "x"}, headers=auth)).status_code == 422


async def test_reads_pass_their_queries(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    services.on("GET", "/proposals", (200, {"items": [], "next_cursor": None}))
    query = {"hashtag": "#산책로", "agency": "busan", "q": "가로등", "district": "mapo", "sort": "popular"}
    assert (await client.get("/api/proposals", params=query)).status_code == 200
    assert services.calls("GET", "/proposals")[-1].query == query
    assert (await client.get("/api/proposals", params={"agency": "Not An Agency"})).status_code == 422

    comments = await client.get("/api/proposals/p_2/comments", params={"limit": 5})
    assert comments.json() == COMMENTS
    assert services.calls("GET", "/proposals/p_2/comments")[-1].query == {"limit": "5"}

    token = await kit.register_and_login(client, "community-op@test.local")
    auth = kit.bearer(token)
    services.on("GET", "/moderation/queue", (200, {"items": []}))
    services.on("GET", "/moderation/audit", (200, {"items": []}))
    assert (await client.get("/api/moderation/queue", headers=auth)).status_code == 200
    assert (await client.get("/api/moderation/audit", params={"target": "p_2"}, headers=auth)).status_code == 200
    assert services.calls("GET", "/moderation/audit")[-1].query == {"target": "p_2"}
    assert (await client.get("/api/moderation/audit", headers=auth)).status_code == 422
    assert (await client.get("/api/moderation/queue")).status_code == 401


async def test_the_list_page_filters_by_district_and_hashtag(client: httpx.AsyncClient, services: Any) -> None:
    card = {k: v for k, v in PROPOSAL.items() if k not in ("body", "author")}
    services.on("GET", "/proposals", (200, {"items": [card], "next_cursor": "c9"}))
    r = await client.get("/", params={"district": "mapo", "hashtag": "#산책로", "tab": "popular"})
    assert r.status_code == 200
    assert services.calls("GET", "/proposals")[-1].query == {
        "sort": "popular",
        "district": "mapo",
        "hashtag": "산책로",
        "limit": "20",
    }
    html = r.text
    assert '<option value="mapo" selected>마포구</option>' in html
    assert "#산책로" in html
    assert "hashtag=%EC%82%B0%EC%B1%85%EB%A1%9C&amp;cursor=c9" in html  # the next page keeps the filters
    await client.get("/", params={"district": "gotham"})
    assert "district" not in services.calls("GET", "/proposals")[-1].query


async def test_the_proposal_page_shows_comments_and_posts_forms(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    r = await client.get("/proposals/p_2")
    html = r.text
    assert "&lt;b&gt;좋은&lt;/b&gt; 제안입니다" in html
    assert "운영정책에 따라 숨김 처리된 댓글입니다" in html
    assert 'href="/?hashtag=%EC%82%B0%EC%B1%85%EB%A1%9C"' in html
    assert "로그인</a>하고 댓글을 남겨 주세요" in html

    r = await client.post(
        "/register", data={"email": "community-site@test.local", "display_name": "박시민", "password": "password-123"}
    )
    assert r.status_code == 303
    services.on("GET", "/proposals/p_2/follow", (200, {"item_id": "p_2", "following": False}))
    page = (await client.get("/proposals/p_2")).text
    assert "댓글 등록" in page
    assert "신고하기" in page
    assert "관심 제안 등록" in page
    csrf = CSRF.search(page)
    assert csrf
    token = csrf.group(1)

    services.on("POST", "/proposals/p_2/comments", (201, {"id": "cm_3"}))
    r = await client.post("/proposals/p_2/comments", data={"body": "밤길이 정말 어둡습니다", "csrf": token})
    assert (r.status_code, r.headers["location"]) == (303, "/proposals/p_2?m=commented#comments")
    assert services.calls("POST", "/proposals/p_2/comments")[-1].json() == {"body": "밤길이 정말 어둡습니다"}
    r = await client.post("/proposals/p_2/comments", data={"body": "x", "csrf": "forged"})
    assert r.headers["location"] == "/proposals/p_2?m=expired#comments"

    services.on("POST", "/comments/cm_1/replies", (201, {"id": "cm_4"}))
    r = await client.post("/comments/cm_1/replies", data={"item_id": "p_2", "body": "동감", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=commented#comments"

    already = {"error": {"code": "already_flagged", "message": "again", "details": None}}
    services.on("POST", "/proposals/p_2/flags", (201, {"flagged": True}), (409, already))
    r = await client.post("/proposals/p_2/flag", data={"reason": "spam", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=flagged#top"
    r = await client.post("/proposals/p_2/flag", data={"reason": "spam", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=already_flagged#top"
    r = await client.post("/proposals/p_2/flag", data={"reason": "<x>", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=flag_reason#top"
    assert "이미 신고하셨습니다" in (await client.get("/proposals/p_2?m=already_flagged")).text

    services.on("POST", "/comments/cm_1/flags", (201, {"flagged": True}))
    r = await client.post("/comments/cm_1/flag", data={"item_id": "p_2", "reason": "abuse", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=flagged#comments"
    assert services.calls("POST", "/comments/cm_1/flags")[-1].json() == {"reason": "abuse"}

    services.on("POST", "/proposals/p_2/follow", (200, {"following": True}))
    r = await client.post("/proposals/p_2/follow", data={"on": "1", "csrf": token})
    assert r.headers["location"] == "/proposals/p_2?m=followed#top"


async def test_a_hidden_proposal_is_a_placeholder_with_its_timeline(client: httpx.AsyncClient, services: Any) -> None:
    hidden = {"error": {"code": "proposal_hidden", "message": "hidden", "details": None}}
    services.on("GET", "/proposals/p_h", (404, hidden))
    timeline = {
        "items": [
            {
                "at": "2025-06-01T01:00:00Z",
                "kind": "proposal.moderated",
                "actor_role": "operator",
                "summary": "운영자가 이 제안을 숨김 처리했습니다. 사유: 개인정보 노출",
                "data": {},
            }
        ]
    }
    services.on("GET", "/proposals/p_h/timeline", (200, timeline))
    r = await client.get("/proposals/p_h")
    assert r.status_code == 404
    assert "운영정책에 따라 숨김 처리된 제안입니다" in r.text
    assert "사유: 개인정보 노출" in r.text
