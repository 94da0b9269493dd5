"""The REST API end to end through the gateway app (real Mongo/Redis/Kafka via `infra`), with
the services replaced by a recording HTTP server. notify-svc's URL points at a closed port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

ERR_409 = {"error": {"code": "already_voted", "message": "this person already supported the item", "details": None}}
ERR_422 = {"error": {"code": "invalid", "message": "unknown category", "details": [{"loc": ["category"]}]}}


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, kit.dead_url())
    async with kit.running_gateway(infra, "gateway-test-api", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


# --- identity --------------------------------------------------------------------------


async def test_register_login_me(client: httpx.AsyncClient, kit: Any) -> None:
    r = await client.post(
        "/api/auth/register", json={"email": "Kim@Example.org", "password": "password-123", "display_name": "김시민"}
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["role"] == "citizen"
    assert account["verified"] is False
    assert account["email"] == "kim@example.org"
    assert "password_hash" not in account
    assert "citizen_key" not in account

    again = await client.post(
        "/api/auth/register", json={"email": "kim@example.org", "password": "password-456", "display_name": "또"}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"

    bad = await client.post("/api/auth/login", json={"email": "kim@example.org", "password": "wrong-password"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_credentials"
    nobody = await client.post("/api/auth/login", json={"email": "nobody@example.org", "password": "whatever1"})
    assert nobody.status_code == 401

    r = await client.post("/api/auth/login", json={"email": "KIM@example.org", "password": "password-123"})
    assert r.status_code == 200
    token = r.json()["token"]
    me = await client.get("/api/me", headers=kit.bearer(token))
    assert me.status_code == 200
    assert me.json()["display_name"] == "김시민"
    assert me.json()["id"] == account["id"]


async def test_me_needs_a_valid_token(client: httpx.AsyncClient, kit: Any) -> None:
    assert (await client.get("/api/me")).status_code == 401
    token = await kit.register_and_login(client, "tamper@example.org")
    version, kid, body, sig = token.split(".")
    forged = f"{version}.{kid}.{body}x.{sig}"
    r = await client.get("/api/me", headers=kit.bearer(forged))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
    r = await client.get("/api/me", headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "password-123", "display_name": "x"},
        {"email": "short@example.org", "password": "1234567", "display_name": "x"},
        {"email": "noname@example.org", "password": "password-123", "display_name": ""},
        {"email": "extra@example.org", "password": "password-123", "display_name": "x", "role": "super_admin"},
    ],
)
async def test_bad_registrations_are_422_with_the_error_body(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    r = await client.post("/api/auth/register", json=body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert err["details"]


async def test_malformed_json_is_422_with_the_error_body(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register", content=b'{"email": "x@y.z", "password": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_verification_binds_one_key_per_person(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    """Two accounts of one person carry the same citizen key to voting-svc; another person differs."""
    path = "/items/p_verify/support"
    services.on("POST", path, (201, {"item_id": "p_verify", "counted": True}))
    first = await kit.register_and_login(client, "lee1@example.org", name="이순신")
    second = await kit.register_and_login(client, "lee2@example.org", name="이순신2")
    other = await kit.register_and_login(client, "park@example.org", name="박")
    first = await kit.verify(client, first, "이순신", "1985-04-28", "010-2222-3333")
    second = await kit.verify(client, second, "이 순신", "1985-04-28", "+82 10 2222 3333")
    other = await kit.verify(client, other, "박지원", "1985-04-28", "010-2222-3333")
    for token in (first, second, other):
        r = await client.post("/api/proposals/p_verify/support", headers=kit.bearer(token))
        assert r.status_code == 201, r.text
    keys = [c.actor().citizen_key for c in services.calls("POST", path)[-3:]]
    assert keys[0] is not None
    assert keys[0] == keys[1]
    assert keys[2] != keys[0]

    me = await client.get("/api/me", headers=kit.bearer(first))
    assert me.json()["verified"] is True
    # Verifying as someone else afterwards is refused; as the same person it is a no-op.
    again = await client.post(
        "/api/auth/verify",
        json={"name": "강감찬", "birth_date": "1970-01-01", "phone": "010-9999-0000"},
        headers=kit.bearer(first),
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_verified"
    assert (await kit.verify(client, first, "이순신", "1985-04-28", "01022223333")) is not None


async def test_implausible_identity_is_422(client: httpx.AsyncClient, kit: Any) -> None:
    token = await kit.register_and_login(client, "fake@example.org")
    r = await client.post(
        "/api/auth/verify",
        json={"name": "홍길동", "birth_date": "1990-13-01", "phone": "010-1234-5678"},
        headers=kit.bearer(token),
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/auth/verify",
        json={"name": "홍길동", "birth_date": "2999-01-01", "phone": "010-1234-5678"},
        headers=kit.bearer(token),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "identity_invalid"


# --- support (the hot path) ------------------------------------------------------------


async def test_support_needs_a_signed_in_verified_citizen(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    before = len(services.received)
    r = await client.post("/api/proposals/p_1/support")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    token = await kit.register_and_login(client, "unverified@example.org")
    r = await client.post("/api/proposals/p_1/support", headers=kit.bearer(token))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "verification_required"
    assert len(services.received) == before  # refused at the gateway, voting-svc never bothered


async def test_support_forwards_the_actor_and_the_409_unchanged(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    path = "/items/p_hot/support"
    services.on("POST", path, (201, {"item_id": "p_hot", "counted": True}), (409, ERR_409))
    token = await kit.register_and_login(client, "hot@example.org", name="세종")
    token = await kit.verify(client, token, "세종", "1997-05-15", "010-1111-2222")

    first = await client.post("/api/proposals/p_hot/support", headers=kit.bearer(token))
    assert first.status_code == 201
    assert first.json() == {"item_id": "p_hot", "counted": True}
    second = await client.post("/api/proposals/p_hot/support", headers=kit.bearer(token))
    assert second.status_code == 409
    assert second.json() == ERR_409

    call = services.calls("POST", path)[-1]
    actor = call.actor()
    assert actor.role == "citizen"
    assert actor.display_name == "세종"
    assert actor.citizen_key
    assert actor.agency == "seoul"
    # It travelled in a batch of supports (SupportRelay): the actor in the body, the trace in a header.
    batch = services.calls("POST", "/supports")[-1]
    assert batch.json()["supports"][-1] == {"item_id": "p_hot", "actor": actor.model_dump(mode="json")}
    assert batch.headers["traceparent"].startswith("00-")


async def test_the_callers_trace_continues_into_the_service(client: httpx.AsyncClient, services: Any) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    services.on("GET", "/meta", (200, {"categories": []}))
    r = await client.get("/api/meta", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert r.status_code == 200
    sent = services.calls("GET", "/meta")[-1].headers["traceparent"]
    assert sent.split("-")[1] == trace_id
    assert sent.split("-")[2] != "00f067aa0ba902b7"  # the gateway's own span is the parent


async def test_support_with_a_bad_item_id_is_422(client: httpx.AsyncClient, kit: Any) -> None:
    token = await kit.register_and_login(client, "badid@example.org")
    r = await client.post("/api/proposals/p..x!/support", headers=kit.bearer(token))
    assert r.status_code == 422


# --- forwarding ------------------------------------------------------------------------


async def test_proposal_submission_is_validated_then_forwarded(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    token = await kit.register_and_login(client, "author@example.org", name="작성자")
    before = len(services.calls("POST", "/proposals"))
    r = await client.post("/api/proposals", json={"body": "no title"}, headers=kit.bearer(token))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    assert len(services.calls("POST", "/proposals")) == before

    services.on("POST", "/proposals", (422, ERR_422), (201, {"id": "p_new", "title": "자전거 도로"}))
    body = {"title": "자전거 도로", "body": "한강변 자전거 도로를 넓혀 주세요", "category": "nope"}
    r = await client.post("/api/proposals", json=body, headers=kit.bearer(token))
    assert r.status_code == 422
    assert r.json() == ERR_422
    body["category"] = "transport"
    r = await client.post("/api/proposals", json=body, headers=kit.bearer(token))
    assert r.status_code == 201
    assert r.json()["id"] == "p_new"
    sent = services.calls("POST", "/proposals")[-1]
    assert sent.json() == body
    assert sent.actor().display_name == "작성자"
    assert sent.headers["X-Gongnon-Actor"].isascii()  # a Korean name, escaped for the header


async def test_public_reads_are_forwarded_with_their_queries(client: httpx.AsyncClient, services: Any) -> None:
    services.on("GET", "/proposals", (200, {"items": [], "next_cursor": None}))
    r = await client.get("/api/proposals", params={"sort": "popular", "category": "welfare", "limit": 5})
    assert r.status_code == 200
    assert r.json() == {"items": [], "next_cursor": None}
    assert services.calls("GET", "/proposals")[-1].query == {"sort": "popular", "category": "welfare", "limit": "5"}
    assert "X-Gongnon-Actor" not in services.calls("GET", "/proposals")[-1].headers

    assert (await client.get("/api/proposals", params={"sort": "random"})).status_code == 422
    assert (await client.get("/api/proposals", params={"limit": 0})).status_code == 422

    services.on("GET", "/items/p_9/cases", (200, {"items": []}))
    services.on("GET", "/items/p_9/tally", (200, {"item_id": "p_9", "kind": "support", "total": 3, "counts": {}}))
    services.on("GET", "/proposals/p_9/timeline", (200, {"items": []}))
    assert (await client.get("/api/proposals/p_9/cases")).json() == {"items": []}
    assert (await client.get("/api/proposals/p_9/tally")).json()["total"] == 3
    assert (await client.get("/api/proposals/p_9/timeline")).json() == {"items": []}
    r = await client.get("/api/proposals/p_unknown")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_review_commands_carry_the_officer(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    r = await client.post("/api/auth/login", json={"email": kit.admin_email, "password": kit.admin_password})
    admin = r.json()["token"]
    # The gateway asks review-svc whether the officer's department is the agency's.
    services.on("GET", "/departments/dept_transport", (200, {"id": "dept_transport", "agency": "seoul"}))
    r = await client.post(
        "/api/admin/accounts",
        json={
            "email": "officer@seoul.go.kr",
            "password": "officer-pass-1",
            "display_name": "교통정책과 담당",
            "role": "officer",
            "department_id": "dept_transport",
        },
        headers=kit.bearer(admin),
    )
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "officer"
    r = await client.post("/api/auth/login", json={"email": "officer@seoul.go.kr", "password": "officer-pass-1"})
    officer = r.json()["token"]

    services.on("POST", "/cases/c_1/answer", (200, {"id": "c_1", "status": "awaiting_approval"}))
    answer = {"decision": "partial", "answer": "일부 구간부터 시행합니다", "reason": "예산"}
    r = await client.post("/api/review/cases/c_1/answer", json=answer, headers=kit.bearer(officer))
    assert r.status_code == 200
    sent = services.calls("POST", "/cases/c_1/answer")[-1]
    assert sent.json() == answer
    assert sent.actor().role == "officer"
    assert sent.actor().department_id == "dept_transport"

    bad = await client.post(
        "/api/review/cases/c_1/answer", json={"decision": "maybe", "answer": "x"}, headers=kit.bearer(officer)
    )
    assert bad.status_code == 422

    for action, body in [
        ("approve", None),
        ("return", {"reason": "보완 필요"}),
        ("reassign-request", {"reason": "소관 아님"}),
        ("assign", {"department_id": "dept_env"}),
    ]:
        services.on("POST", f"/cases/c_1/{action}", (200, {"ok": action}))
        r = await client.post(f"/api/review/cases/c_1/{action}", json=body, headers=kit.bearer(officer))
        assert r.status_code == 200, (action, r.text)
        assert services.calls("POST", f"/cases/c_1/{action}")[-1].json() == body

    services.on("GET", "/cases", (200, {"items": []}))
    r = await client.get("/api/review/cases", params={"status": "open"}, headers=kit.bearer(officer))
    assert r.status_code == 200
    assert services.calls("GET", "/cases")[-1].query == {"status": "open"}
    assert (await client.get("/api/review/cases")).status_code == 401


async def test_upstream_down_is_503_and_upstream_failure_is_502(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    token = await kit.register_and_login(client, "inbox@example.org")
    r = await client.get("/api/inbox", headers=kit.bearer(token))  # notify-svc is not listening
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "upstream_unavailable"
    assert r.json()["error"]["details"]["service"] == "notify-svc"

    services.on("GET", "/meta", (500, {"error": {"code": "internal", "message": "boom", "details": None}}))
    r = await client.get("/api/meta")
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_error"
    assert r.json()["error"]["details"]["status"] == 500


# --- staff accounts --------------------------------------------------------------------


async def test_only_staff_managers_create_staff(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    services.on("GET", "/departments/d1", (200, {"id": "d1", "agency": "seoul", "archived": False}))
    staff = {"email": "x@seoul.go.kr", "password": "password-123", "display_name": "x", "role": "operator"}
    citizen = await kit.register_and_login(client, "wannabe@example.org")
    r = await client.post("/api/admin/accounts", json=staff, headers=kit.bearer(citizen))
    assert r.status_code == 403
    assert (await client.post("/api/admin/accounts", json=staff)).status_code == 401

    r = await client.post("/api/auth/login", json={"email": kit.admin_email, "password": kit.admin_password})
    admin = r.json()["token"]
    r = await client.post("/api/admin/accounts", json=staff, headers=kit.bearer(admin))
    assert r.status_code == 201
    r = await client.post("/api/auth/login", json={"email": "x@seoul.go.kr", "password": "password-123"})
    operator = r.json()["token"]

    # An operator creates officers but cannot hand out a role above its own.
    up = {**staff, "email": "boss@seoul.go.kr", "role": "agency_admin"}
    r = await client.post("/api/admin/accounts", json=up, headers=kit.bearer(operator))
    assert r.status_code == 403
    no_dept = {**staff, "email": "o2@seoul.go.kr", "role": "officer"}
    r = await client.post("/api/admin/accounts", json=no_dept, headers=kit.bearer(operator))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "department_required"
    other_agency = {**no_dept, "department_id": "d1", "agency": "busan"}
    r = await client.post("/api/admin/accounts", json=other_agency, headers=kit.bearer(operator))
    assert r.status_code == 403
    r = await client.post("/api/admin/accounts", json={**no_dept, "department_id": "d1"}, headers=kit.bearer(operator))
    assert r.status_code == 201
    assert r.json()["agency"] == "seoul"

    bogus = {**staff, "email": "s@seoul.go.kr", "role": "super_admin"}
    r = await client.post("/api/admin/accounts", json=bogus, headers=kit.bearer(admin))
    assert r.status_code == 422


async def test_staff_cannot_verify_as_citizens(client: httpx.AsyncClient, kit: Any) -> None:
    r = await client.post("/api/auth/login", json={"email": kit.admin_email, "password": kit.admin_password})
    admin = r.json()["token"]
    r = await client.post(
        "/api/auth/verify",
        json={"name": "관리자", "birth_date": "1980-01-01", "phone": "010-0000-0000"},
        headers=kit.bearer(admin),
    )
    assert r.status_code == 403


async def test_super_admin_bootstrap_is_idempotent(app: FastAPI, kit: Any) -> None:
    accounts = app.state.gateway.accounts
    await accounts.ensure_super_admin(kit.admin_email, "a-different-password")
    db = app.state.gateway.runtime.db
    assert await db.accounts.count_documents({"email": kit.admin_email}) == 1
    # the password set at first bootstrap still works
    account = await accounts.authenticate(kit.admin_email, kit.admin_password)
    assert account.role == "super_admin"


# --- documents -------------------------------------------------------------------------


async def test_openapi_and_asyncapi_documents(client: httpx.AsyncClient) -> None:
    openapi = (await client.get("/openapi.json")).json()
    for path in ["/api/proposals", "/api/proposals/{item_id}/support", "/api/auth/login", "/api/admin/accounts"]:
        assert path in openapi["paths"]
    assert openapi["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert openapi["paths"]["/api/proposals/{item_id}/support"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "/proposals/{item_id}" not in openapi["paths"]  # the site's pages stay out of the API document
    assert "/api/_test/clock" not in openapi["paths"]  # test mode is off here
    assert (await client.post("/api/_test/clock", json={"advance_s": 1})).status_code in (404, 405)

    public = (await client.get("/asyncapi.json")).json()
    assert public["asyncapi"] == "3.0.0"
    names = {m["name"] for m in public["components"]["messages"].values()}
    assert "item.submitted" in names  # the public stream agencies subscribe to (gongnon.public)
    assert "proposal.submitted" not in names  # internal: carries the author's account
    assert "vote.cast" not in names  # private: carries identities
    full = (await client.get("/asyncapi.json", params={"public_only": "false"})).json()
    assert "vote.cast" in {m["name"] for m in full["components"]["messages"].values()}


async def test_supports_arriving_together_reach_voting_svc_together(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    """Concurrent supports share one request to voting-svc, and each citizen still gets their own
    reply: here the second of three is already counted."""
    replies = {
        "p_crowd": (201, {"item_id": "p_crowd", "counted": True, "total": 1}),
        "p_crowd2": (409, ERR_409),
        "p_crowd3": (503, {"error": {"code": "votes_recovering", "message": "retry shortly", "details": None}}),
    }
    for item, reply in replies.items():
        services.on("POST", f"/items/{item}/support", reply)
    token = await kit.register_and_login(client, "crowd@example.org", name="군중")
    token = await kit.verify(client, token, "군중", "1990-01-01", "010-4444-5555")
    before = len(services.calls("POST", "/supports"))

    got = await asyncio.gather(
        *(client.post(f"/api/proposals/{item}/support", headers=kit.bearer(token)) for item in replies)
    )

    assert [(r.status_code, r.json()) for r in got] == list(replies.values())
    batches = services.calls("POST", "/supports")[before:]
    assert sum(len(b.json()["supports"]) for b in batches) == 3
    assert len(batches) < 3  # at least two of them travelled together


async def test_a_batch_voting_svc_refuses_as_a_whole_fails_each_support(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    token = await kit.register_and_login(client, "whole@example.org", name="전체")
    token = await kit.verify(client, token, "전체", "1991-02-02", "010-6666-7777")
    services.on("POST", "/supports", (500, {"oops": True}))
    try:
        r = await client.post("/api/proposals/p_whole/support", headers=kit.bearer(token))
    finally:
        del services.script[("POST", "/supports")]
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_error"
