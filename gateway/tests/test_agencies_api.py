"""Agencies through the gateway app (real infra via `infra`), with the services replaced by a
recording HTTP server: the registry and its events (outbox), who may change what, staff and
proposals refused for unknown or closed agencies, department routes checked before they are
forwarded, and the agency's sub-site at /a/{agency}/ and at / of its own host name."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
GANGNAM = {
    "id": "gangnam",
    "name_ko": "강남문화재단",
    "name_en": "Gangnam Cultural Foundation",
    "host": "gangnam.example.kr",
    "branding": {"logo_url": "https://cdn.example.kr/gangnam.png", "primary_color": "#0a7f5a"},
}
CARD = {"id": "p_g1", "title": "재단 공연장 주차장을 개방해 주세요", "category": "culture", "support_count": 3}


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-agencies", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


async def _token(client: httpx.AsyncClient, email: str, password: str) -> str:
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


async def _admin(client: httpx.AsyncClient, kit: Any) -> str:
    return await _token(client, kit.admin_email, kit.admin_password)


async def _staff(client: httpx.AsyncClient, kit: Any, by: str, email: str, **fields: Any) -> httpx.Response:
    body = {"email": email, "password": "password-123", "display_name": email.split("@")[0], **fields}
    return await client.post("/api/admin/accounts", json=body, headers=kit.bearer(by))


async def _events(app: FastAPI, agency: str, kind: str) -> list[dict[str, Any]]:
    return await outbox_envelopes(app.state.gateway.runtime.db, key=agency, type=kind)


async def _register(client: httpx.AsyncClient, kit: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/agencies", json=body, headers=kit.bearer(await _admin(client, kit)))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def test_register_read_update_close(client: httpx.AsyncClient, kit: Any, app: FastAPI) -> None:
    admin = await _admin(client, kit)
    citizen = await kit.register_and_login(client, "agency-reader@example.org")
    assert (await client.post("/api/agencies", json=GANGNAM, headers=kit.bearer(citizen))).status_code == 403
    assert (await client.post("/api/agencies", json=GANGNAM)).status_code == 401
    created = await _register(client, kit, GANGNAM)
    assert created["branding"] == {
        "logo_url": "https://cdn.example.kr/gangnam.png",
        "primary_color": "#0a7f5a",
        "accent_color": "#f0a500",
    }
    assert (created["status"], created["is_host_agency"]) == ("active", False)
    [event] = await _events(app, "gangnam", "agency.registered")
    assert Envelope.model_validate(event).topic() == "gongnon.agencies"
    assert event["agency"] == "gangnam"
    assert event["data"]["name_ko"] == "강남문화재단"
    assert event["data"]["host"] == "gangnam.example.kr"

    again = await client.post("/api/agencies", json=GANGNAM, headers=kit.bearer(admin))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "agency_exists")
    same_host = {**GANGNAM, "id": "gangnam-two"}
    r = await client.post("/api/agencies", json=same_host, headers=kit.bearer(admin))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "host_taken")
    for bad in ({**GANGNAM, "id": "Bad Id"}, {**GANGNAM, "id": "x2", "branding": {"primary_color": "green"}}):
        assert (await client.post("/api/agencies", json=bad, headers=kit.bearer(admin))).status_code == 422

    listed = (await client.get("/api/agencies")).json()["items"]
    assert {"seoul", "gangnam"} <= {a["id"] for a in listed}
    assert next(a for a in listed if a["id"] == "seoul")["is_host_agency"] is True
    assert (await client.get("/api/agencies/gangnam")).json()["name_en"] == "Gangnam Cultural Foundation"
    assert (await client.get("/api/agencies/nowhere")).status_code == 404

    # The agency's own admin: names and branding, not the host name; never another agency.
    r = await _staff(client, kit, admin, "boss@gangnam.example.kr", role="agency_admin", agency="gangnam")
    assert r.status_code == 201, r.text
    boss = await _token(client, "boss@gangnam.example.kr", "password-123")
    r = await client.patch(
        "/api/agencies/gangnam", json={"branding": {"accent_color": "#ffcc00"}}, headers=kit.bearer(boss)
    )
    assert r.status_code == 200, r.text
    assert r.json()["branding"]["primary_color"] == "#0a7f5a"  # merged field by field
    assert r.json()["branding"]["accent_color"] == "#ffcc00"
    [updated] = await _events(app, "gangnam", "agency.updated")
    assert updated["data"]["changed"] == ["branding"]
    r = await client.patch("/api/agencies/gangnam", json={"host": "other.example.kr"}, headers=kit.bearer(boss))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "super_admin_only")
    r = await client.patch("/api/agencies/seoul", json={"name_ko": "탈취"}, headers=kit.bearer(boss))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "other_agency")
    await client.patch(
        "/api/agencies/gangnam", json={"branding": {"accent_color": "#ffcc00"}}, headers=kit.bearer(boss)
    )
    assert len(await _events(app, "gangnam", "agency.updated")) == 1  # the same values: nothing to announce

    assert (await client.post("/api/agencies/gangnam/close", headers=kit.bearer(boss))).status_code == 403
    r = await client.post("/api/agencies/seoul/close", headers=kit.bearer(admin))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "host_agency")


async def test_closed_agency_takes_no_new_staff_or_items(
    client: httpx.AsyncClient, kit: Any, app: FastAPI, services: Any
) -> None:
    admin = await _admin(client, kit)
    await _register(client, kit, {"id": "closing", "name_ko": "폐지재단", "name_en": "Closing Foundation"})
    r = await client.post("/api/agencies/closing/close", headers=kit.bearer(admin))
    assert (r.status_code, r.json()["status"]) == (200, "closed")
    assert r.json()["closed_at"]
    assert (await client.post("/api/agencies/closing/close", headers=kit.bearer(admin))).status_code == 200
    assert len(await _events(app, "closing", "agency.closed")) == 1

    r = await _staff(client, kit, admin, "late@closing.kr", role="operator", agency="closing")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "agency_closed")
    r = await _staff(client, kit, admin, "ghost@nowhere.kr", role="agency_admin", agency="nowhere")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_agency")

    citizen = await kit.register_and_login(client, "agency-proposer@example.org")
    citizen = await kit.verify(client, citizen, "정제안", "1990-02-02", "010-2222-3333")
    proposal = {"title": "제안", "body": "내용", "category": "culture"}
    before = len(services.calls("POST", "/proposals"))
    r = await client.post("/api/proposals", json={**proposal, "agency": "closing"}, headers=kit.bearer(citizen))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "agency_closed")
    r = await client.post("/api/proposals", json={**proposal, "agency": "nowhere"}, headers=kit.bearer(citizen))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_agency")
    assert len(services.calls("POST", "/proposals")) == before

    await _register(client, kit, {"id": "open-one", "name_ko": "열린재단", "name_en": "Open"})
    services.on("POST", "/proposals", (201, {"id": "p_new"}))
    r = await client.post("/api/proposals", json={**proposal, "agency": "open-one"}, headers=kit.bearer(citizen))
    assert r.status_code == 201
    assert services.calls("POST", "/proposals")[-1].json()["agency"] == "open-one"

    # The host's list holds every agency's items; another agency's list is that agency's.
    services.on("GET", "/proposals", (200, {"items": [], "next_cursor": None}))
    await client.get("/api/proposals", params={"agency": "seoul"})
    assert "agency" not in services.calls("GET", "/proposals")[-1].query
    await client.get("/api/proposals", params={"agency": "open-one"})
    assert services.calls("GET", "/proposals")[-1].query["agency"] == "open-one"


async def test_officers_belong_to_a_department_of_their_agency(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    admin = await _admin(client, kit)
    await _register(client, kit, {"id": "officers", "name_ko": "직원재단", "name_en": "Officers"})
    services.on("GET", "/departments/d_of", (200, {"id": "d_of", "agency": "officers", "archived": False}))
    services.on("GET", "/departments/d_seoul", (200, {"id": "d_seoul", "agency": "seoul", "archived": False}))
    services.on("GET", "/departments/d_old", (200, {"id": "d_old", "agency": "officers", "archived": True}))
    officer = {"role": "officer", "agency": "officers"}
    r = await _staff(client, kit, admin, "o1@officers.kr", department_id="d_of", **officer)
    assert r.status_code == 201, r.text
    assert (r.json()["agency"], r.json()["department_id"]) == ("officers", "d_of")
    for dept, code in [
        ("d_seoul", "unknown_department"),
        ("d_none", "unknown_department"),
        ("d_old", "department_archived"),
    ]:
        r = await _staff(client, kit, admin, f"o-{dept}@officers.kr", department_id=dept, **officer)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), dept


async def test_department_routes_are_checked_before_they_are_forwarded(
    client: httpx.AsyncClient, kit: Any, services: Any
) -> None:
    admin = await _admin(client, kit)
    for agency in ("dep-a", "dep-b"):
        await _register(client, kit, {"id": agency, "name_ko": agency, "name_en": agency})
        r = await _staff(client, kit, admin, f"admin@{agency}.kr", role="agency_admin", agency=agency)
        assert r.status_code == 201, r.text
    a_admin = await _token(client, "admin@dep-a.kr", "password-123")
    services.on("POST", "/agencies/dep-b/departments", (201, {"id": "d_1", "agency": "dep-b"}))
    services.on("PUT", "/agencies/dep-b/category-map", (200, {"agency": "dep-b", "map": {}}))
    before = len(services.received)
    r = await client.post("/api/agencies/dep-b/departments", json={"name": "침입과"}, headers=kit.bearer(a_admin))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "other_agency")
    r = await client.put("/api/agencies/dep-b/category-map", json={"map": {}}, headers=kit.bearer(a_admin))
    assert r.status_code == 403
    assert len(services.received) == before  # refused here; review-svc never heard of it
    r = await client.post("/api/agencies/nowhere/departments", json={"name": "x"}, headers=kit.bearer(admin))
    assert r.status_code == 404

    b_admin = await _token(client, "admin@dep-b.kr", "password-123")
    r = await client.post(
        "/api/agencies/dep-b/departments", json={"name": "문화과", "parent_id": "d_0"}, headers=kit.bearer(b_admin)
    )
    assert r.status_code == 201
    sent = services.calls("POST", "/agencies/dep-b/departments")[-1]
    assert sent.json() == {"name": "문화과", "parent_id": "d_0"}
    assert (sent.actor().role, sent.actor().agency) == ("agency_admin", "dep-b")
    services.on("PATCH", "/departments/d_1", (200, {"id": "d_1"}))
    r = await client.patch("/api/departments/d_1", json={"name": "문화정책과"}, headers=kit.bearer(b_admin))
    assert r.status_code == 200
    assert services.calls("PATCH", "/departments/d_1")[-1].json() == {"name": "문화정책과"}
    services.on("GET", "/agencies/dep-b/departments", (200, {"items": []}))
    assert (await client.get("/api/agencies/dep-b/departments")).status_code == 200  # reading is public
    assert (await client.get("/api/agencies/nowhere/category-map")).status_code == 404


async def test_the_agency_sub_site_and_its_host_name(client: httpx.AsyncClient, kit: Any, services: Any) -> None:
    await _register(
        client,
        kit,
        {
            "id": "site-agency",
            "name_ko": "사이트재단",
            "name_en": "Site Foundation",
            "host": "site.example.kr",
            "branding": {"logo_url": "https://cdn.example.kr/site.png", "primary_color": "#123456"},
        },
    )
    services.on("GET", "/proposals", (200, {"items": [CARD], "next_cursor": None}))
    page = await client.get("/a/site-agency/")
    assert page.status_code == 200
    assert "사이트재단" in page.text
    assert "--brand: #123456" in page.text
    assert 'src="https://cdn.example.kr/site.png"' in page.text
    assert CARD["title"] in page.text
    assert "/proposals/new?agency=site-agency" in page.text
    assert services.calls("GET", "/proposals")[-1].query["agency"] == "site-agency"

    # Its own host name: the agency's home at "/"; any other host gets the platform's home.
    home = await client.get("/", headers={"host": "site.example.kr"})
    assert home.status_code == 200
    assert "--brand: #123456" in home.text
    assert 'class="brand" href="/"' in home.text
    assert services.calls("GET", "/proposals")[-1].query["agency"] == "site-agency"
    plain = await client.get("/", headers={"host": "elsewhere.example.kr:8080"})
    assert plain.status_code == 200
    assert "--brand: #123456" not in plain.text

    assert (await client.get("/a/seoul/", follow_redirects=False)).headers["location"] == "/"
    assert (await client.get("/a/nowhere/")).status_code == 404

    # The proposal form offers the open agencies, the chosen one first selected.
    citizen = await kit.register_and_login(client, "site-agency@example.org")
    client.cookies.set("gongnon_session", citizen)
    form = await client.get("/proposals/new", params={"agency": "site-agency"})
    assert '<option value="site-agency" selected>사이트재단</option>' in form.text
    csrf = CSRF.search(form.text)
    assert csrf is not None
    admin = await _admin(client, kit)
    assert (await client.post("/api/agencies/site-agency/close", headers=kit.bearer(admin))).status_code == 200
    posted = await client.post(
        "/proposals/new",
        data={"title": "t", "body": "b", "category": "culture", "agency": "site-agency", "csrf": csrf.group(1)},
    )
    assert posted.status_code == 409
    assert "종료되어 새 제안을 받지 않습니다" in posted.text
    client.cookies.clear()

    # Closed: the archive stays readable, without a way to propose.
    closed = await client.get("/a/site-agency/")
    assert closed.status_code == 200
    assert CARD["title"] in closed.text
    assert "기록으로 보관" in closed.text
    assert '/proposals/new?agency=site-agency">사이트재단에 제안하기' not in closed.text
