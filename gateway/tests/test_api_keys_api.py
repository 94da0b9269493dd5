"""Agency systems' API keys through the gateway app (real MongoDB and Redis; the services replaced
by a recording HTTP server): keys shown once and stored hashed, both ways of sending one, the actor
each becomes (the agency's system, one of its verified citizens, one of its departments), scopes,
votes refused, rate limits with Retry-After, the record of use, revocation seen by the very next
request, rotation's overlap on the platform clock, and two agencies that cannot touch each other's
keys, citizens or departments."""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.clock import CLOCK_KEY, set_test_offset
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core import api_keys as rules
from gongnon_gateway.core import rate_window as rw
from gongnon_gateway.core.key_limits import day_of

A, B = "keys-a", "keys-b"
DEPARTMENTS = {
    "dept-a1": {"id": "dept-a1", "agency": A, "name": "문화예술과", "archived": False},
    "dept-a-old": {"id": "dept-a-old", "agency": A, "name": "옛 부서", "archived": True},
    "dept-b1": {"id": "dept-b1", "agency": B, "name": "복지정책과", "archived": False},
}


def _department(rec: Any) -> tuple[int, Any]:
    found = DEPARTMENTS.get(rec.path.rsplit("/", 1)[-1])
    if found is None:
        return 404, {"error": {"code": "department_not_found", "message": "no", "details": None}}
    return 200, {**found, "unit": "", "kind": "department", "categories": [], "parent_id": None}


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    services.on("POST", "/_test/clock/refresh", (200, {"offset_s": 0}))
    services.on("GET", "/proposals", (200, {"items": [], "next_cursor": None}))
    services.on("POST", "/proposals", (201, {"id": "p_1", "title": "t"}))
    services.on("POST", "/cases/c1/answer", (200, {"id": "c1", "status": "answered"}))
    for dept in [*DEPARTMENTS, "dept-none"]:
        services.script[("GET", f"/departments/{dept}")] = _department
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-api-keys", urls, test_mode=True) as app:
        yield app


@pytest.fixture(scope="module")
async def world(app: FastAPI, kit: Any) -> dict[str, Any]:
    """Two agencies, an admin each, a verified citizen each (and an unverified one in A)."""
    async with kit.client(app) as c:
        root = await _login(c, kit.admin_email, kit.admin_password)
        w: dict[str, Any] = {"root": root}
        for agency in (A, B):
            r = await c.post("/api/agencies", json={"id": agency, "name_ko": agency, "name_en": agency},
                             headers=kit.bearer(root))  # fmt: skip
            assert r.status_code == 201, r.text
            staff = {"email": f"admin@{agency}.kr", "password": "password-123", "display_name": "관리자"}
            staff |= {"role": "agency_admin", "agency": agency}
            r = await c.post("/api/admin/accounts", json=staff, headers=kit.bearer(root))
            assert r.status_code == 201, r.text
            w[f"admin_{agency}"] = await _login(c, f"admin@{agency}.kr", "password-123")
            w[f"citizen_{agency}"] = await _citizen(app, c, kit, agency, f"citizen@{agency}.kr", verified=True)
        w[f"unverified_{A}"] = await _citizen(app, c, kit, A, f"unverified@{A}.kr", verified=False)
        w["seoul_citizen"] = await _citizen(app, c, kit, "seoul", "citizen@seoul.kr", verified=True)
        return w


async def _login(c: httpx.AsyncClient, email: str, password: str) -> str:
    r = await c.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


async def _citizen(app: FastAPI, c: httpx.AsyncClient, kit: Any, agency: str, email: str, *, verified: bool) -> str:
    """A citizen account of the agency (registration makes the host's; the test moves it)."""
    token = await kit.register_and_login(c, email)
    if verified:
        await kit.verify(c, token, email.split("@")[0], "1990-01-02", f"010{abs(hash(email)) % 10**8:08d}")
    db = app.state.gateway.runtime.db
    await db.accounts.update_one({"email": email}, {"$set": {"agency": agency}})
    doc = await db.accounts.find_one({"email": email})
    account_id: str = doc["_id"]
    return account_id


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


@pytest.fixture
async def restore_clock(app: FastAPI) -> AsyncIterator[None]:
    redis = app.state.gateway.runtime.redis
    raw = await redis.get(CLOCK_KEY)
    yield
    await set_test_offset(redis, float(raw) if raw else 0.0)
    await app.state.gateway.runtime.clock.refresh()


async def _create(c: httpx.AsyncClient, kit: Any, by: str, agency: str, **body: Any) -> dict[str, Any]:
    payload = {"name": "민원 연동", "scopes": ["read", "submit", "answer", "subscriptions"], **body}
    r = await c.post(f"/api/agencies/{agency}/api-keys", json=payload, headers=kit.bearer(by))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def _key(key: str, **headers: str) -> dict[str, str]:
    return {"X-Api-Key": key, **headers}


def _code(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


async def test_a_key_is_shown_once_and_kept_hashed(client: httpx.AsyncClient, kit: Any, world: Any,
                                                   app: FastAPI) -> None:  # fmt: skip
    r = await client.post(
        f"/api/agencies/{A}/api-keys",
        json={"name": "연동", "scopes": ["read"]},
        headers=kit.bearer(world[f"admin_{A}"]),
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    created = r.json()
    key_id, secret = rules.parse_key(created["key"]) or ("", "")
    assert key_id == created["id"]
    assert len(secret) == 43
    assert created["prefix"] == f"gk_{key_id}_"
    assert created["status"] == "active"
    assert (created["scopes"], created["rate_limit_per_min"]) == (["read"], rules.DEFAULT_RATE_PER_MIN)

    doc = await app.state.gateway.runtime.db.api_keys.find_one({"_id": key_id})
    assert doc["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(doc)

    r = await client.get(f"/api/agencies/{A}/api-keys", headers=kit.bearer(world[f"admin_{A}"]))
    assert r.status_code == 200
    listed = next(k for k in r.json()["items"] if k["id"] == key_id)
    assert "key" not in listed
    assert secret not in r.text
    assert set(listed) >= {"id", "name", "prefix", "scopes", "created_at", "last_used_at", "status"}

    for bad in ({"name": "x", "scopes": ["admin"]}, {"name": "x", "scopes": []}, {"name": "", "scopes": ["read"]},
                {"name": "x", "scopes": ["read"], "rate_limit_per_min": 0}):  # fmt: skip
        r = await client.post(f"/api/agencies/{A}/api-keys", json=bad, headers=kit.bearer(world[f"admin_{A}"]))
        assert r.status_code == 422, bad


async def test_the_agency_system_acts_with_either_header(
    client: httpx.AsyncClient, kit: Any, world: Any, services: Any
) -> None:
    created = await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"])
    for headers in (_key(created["key"]), kit.bearer(created["key"])):
        before = len(services.calls("GET", "/proposals"))
        r = await client.get("/api/proposals", headers=headers)
        assert r.status_code == 200, r.text
        [call] = services.calls("GET", "/proposals")[before:]
        actor = call.actor()
        assert (actor.role, actor.agency, actor.key_id, actor.scopes) == (
            ActorRole.AGENCY_SYSTEM,
            A,
            created["id"],
            ("read",),
        )
    # Without the scope a request needs: 403 insufficient_scope, nothing forwarded.
    before = len(services.received)
    r = await client.post("/api/proposals", json={"title": "t", "body": "b", "category": "welfare"},
                          headers=_key(created["key"], **{"X-On-Behalf-Of": world[f"citizen_{A}"]}))  # fmt: skip
    assert _code(r) == (403, "insufficient_scope")
    assert r.json()["error"]["details"] == {"needs": ["submit"]}
    r = await client.post(f"/api/agencies/{A}/subscriptions", json={}, headers=_key(created["key"]))
    assert _code(r) == (403, "insufficient_scope")
    assert len(services.received) == before

    for bad in ("gk_nope", "gk_" + "a" * 16 + "_" + "b" * 43, created["key"][:-1] + "x"):
        r = await client.get("/api/proposals", headers=_key(bad))
        assert _code(r) == (401, "invalid_api_key"), bad


async def test_submit_acts_for_a_verified_citizen_of_the_agency_only(
    client: httpx.AsyncClient, kit: Any, world: Any, services: Any
) -> None:
    key = (await _create(client, kit, world[f"admin_{A}"], A))["key"]
    body = {"title": "공연장 주차장 개방", "body": "주말에 개방해 주세요", "category": "culture"}
    r = await client.post("/api/proposals", json=body, headers=_key(key, **{"X-On-Behalf-Of": world[f"citizen_{A}"]}))
    assert r.status_code == 201, r.text
    actor = services.calls("POST", "/proposals")[-1].actor()
    assert (actor.account_id, actor.role, actor.agency, actor.key_id) == (
        world[f"citizen_{A}"],
        ActorRole.CITIZEN,
        A,
        key.split("_")[1],
    )
    assert actor.citizen_key is not None

    for who, code in (
        (world[f"citizen_{B}"], "not_agency_citizen"),  # another agency's citizen
        (world["seoul_citizen"], "not_agency_citizen"),
        ("acc_nobody", "not_agency_citizen"),
        ("bad id!", "not_agency_citizen"),
        (world[f"unverified_{A}"], "verification_required"),
    ):
        before = len(services.calls("POST", "/proposals"))
        r = await client.post("/api/proposals", json=body, headers=_key(key, **{"X-On-Behalf-Of": who}))
        assert _code(r) == (403, code), who
        assert len(services.calls("POST", "/proposals")) == before


async def test_answer_acts_as_a_department_of_the_agency_only(
    client: httpx.AsyncClient, kit: Any, world: Any, services: Any
) -> None:
    key = (await _create(client, kit, world[f"admin_{A}"], A))["key"]
    body = {"decision": "accept", "answer": "수용합니다"}
    r = await client.post("/api/review/cases/c1/answer", json=body, headers=_key(key, **{"X-Department": "dept-a1"}))
    assert r.status_code == 200, r.text
    actor = services.calls("POST", "/cases/c1/answer")[-1].actor()
    assert (actor.role, actor.agency, actor.department_id, actor.key_id) == (
        ActorRole.OFFICER,
        A,
        "dept-a1",
        key.split("_")[1],
    )
    for dept, code in (("dept-b1", "not_agency_department"), ("dept-none", "not_agency_department"),
                       ("dept-a-old", "department_archived")):  # fmt: skip
        r = await client.post("/api/review/cases/c1/answer", json=body, headers=_key(key, **{"X-Department": dept}))
        assert _code(r) == (403, code), dept
    # An operator's act is not an answer.
    r = await client.post("/api/review/cases/c1/approve", headers=_key(key, **{"X-Department": "dept-a1"}))
    assert _code(r) == (403, "insufficient_scope")
    reader = (await _create(client, kit, world[f"admin_{A}"], A, scopes=["read", "submit"]))["key"]
    r = await client.post("/api/review/cases/c1/answer", json=body, headers=_key(reader, **{"X-Department": "dept-a1"}))
    assert _code(r) == (403, "insufficient_scope")


async def test_keys_do_not_vote(client: httpx.AsyncClient, kit: Any, world: Any, services: Any) -> None:
    key = (await _create(client, kit, world[f"admin_{A}"], A))["key"]
    citizen = {"X-On-Behalf-Of": world[f"citizen_{A}"]}
    before = len(services.received)
    r = await client.post("/api/items/p_1/votes", json={"choices": ["yes"]}, headers=_key(key, **citizen))
    assert _code(r) == (403, "keys_do_not_vote")
    # The support hot path is untouched: it knows session tokens only.
    assert (await client.post("/api/proposals/p_1/support", headers=kit.bearer(key) | citizen)).status_code == 401
    assert (await client.post("/api/proposals/p_1/support", headers=_key(key, **citizen))).status_code == 401
    assert len(services.received) == before


def test_the_scope_table_names_routes_that_exist(app: FastAPI) -> None:
    routes = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    named = rules.VOTE_ROUTES | rules.SUBMIT_WRITES | rules.ANSWER_WRITES
    assert named <= routes, named - routes
    assert any(path.startswith(rules.SUBSCRIPTIONS_PREFIX) for _, path in routes)
    assert {path for _, path in routes} >= rules.FEED_ROUTES


async def test_revocation_is_seen_by_the_very_next_request(client: httpx.AsyncClient, kit: Any, world: Any) -> None:
    admin = kit.bearer(world[f"admin_{A}"])
    created = await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"])
    for _ in range(3):  # the record is in Redis's fast path now
        assert (await client.get("/api/proposals", headers=_key(created["key"]))).status_code == 200
    r = await client.delete(f"/api/agencies/{A}/api-keys/{created['id']}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    assert _code(await client.get("/api/proposals", headers=_key(created["key"]))) == (401, "api_key_revoked")
    assert _code(await client.get("/api/proposals", headers=kit.bearer(created["key"]))) == (401, "api_key_revoked")
    # Revoking again changes nothing; it stays listed as revoked.
    assert (await client.delete(f"/api/agencies/{A}/api-keys/{created['id']}", headers=admin)).status_code == 200
    listed = (await client.get(f"/api/agencies/{A}/api-keys", headers=admin)).json()["items"]
    assert next(k for k in listed if k["id"] == created["id"])["status"] == "revoked"
    r = await client.post(f"/api/agencies/{A}/api-keys/{created['id']}/rotate", json={}, headers=admin)
    assert _code(r) == (409, "api_key_revoked")


async def test_a_rotated_key_works_within_the_overlap_and_not_after(
    client: httpx.AsyncClient, kit: Any, world: Any, restore_clock: None
) -> None:
    admin = kit.bearer(world[f"admin_{A}"])
    old = await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"], rate_limit_per_min=1000)
    assert (await client.get("/api/proposals", headers=_key(old["key"]))).status_code == 200
    path = f"/api/agencies/{A}/api-keys/{old['id']}/rotate"
    assert (await client.post(path, json={"overlap_s": rules.MAX_OVERLAP_S + 1}, headers=admin)).status_code == 422
    r = await client.post(path, json={"overlap_s": 3600}, headers=admin)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["key"] != old["key"]
    assert new["rotated_from"] == old["id"]
    assert (new["scopes"], new["rate_limit_per_min"], new["name"]) == (["read"], 1000, old["name"])
    assert (new["previous"]["status"], new["previous"]["rotated_to"]) == ("rotating", new["id"])
    assert _code(await client.post(path, json={"overlap_s": 60}, headers=admin)) == (409, "api_key_rotated")

    for key in (old["key"], new["key"]):
        assert (await client.get("/api/proposals", headers=_key(key))).status_code == 200
    assert (await client.post("/api/_test/clock", json={"advance_s": 3590})).status_code == 200
    assert (await client.get("/api/proposals", headers=_key(old["key"]))).status_code == 200  # 10 s left
    assert (await client.post("/api/_test/clock", json={"advance_s": 11})).status_code == 200
    assert _code(await client.get("/api/proposals", headers=_key(old["key"]))) == (401, "api_key_expired")
    assert (await client.get("/api/proposals", headers=_key(new["key"]))).status_code == 200
    listed = (await client.get(f"/api/agencies/{A}/api-keys", headers=admin)).json()["items"]
    assert {k["id"]: k["status"] for k in listed}[old["id"]] == "expired"


async def test_rate_limit_answers_429_with_retry_after_and_usage_is_recorded(
    client: httpx.AsyncClient, kit: Any, world: Any, app: FastAPI
) -> None:
    admin = kit.bearer(world[f"admin_{A}"])
    created = await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"], rate_limit_per_min=3)
    for _ in range(3):
        assert (await client.get("/api/proposals", headers=_key(created["key"]))).status_code == 200
    r = await client.get("/api/proposals", headers=_key(created["key"]))
    assert _code(r) == (429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 120
    assert r.json()["error"]["details"]["limit_per_min"] == 3
    # Another key of the same agency has its own window.
    other = await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"])
    assert (await client.get("/api/proposals", headers=_key(other["key"]))).status_code == 200

    usage_path = f"/api/agencies/{A}/api-keys/{created['id']}/usage"
    today = day_of(app.state.gateway.runtime.clock.now())
    r = await client.get(usage_path, params={"days": 7}, headers=admin)
    assert r.status_code == 200, r.text
    usage = r.json()
    assert (usage["requests"], usage["rate_limited"], len(usage["days"])) == (3, 1, 7)
    assert usage["days"][0] == {"day": today, "requests": 3, "rate_limited": 1}
    assert usage["last_used_at"] is not None

    # Flushed to MongoDB, the numbers stay the same (read-through before, stored after).
    await app.state.api_keys.limits.flush()
    assert (await client.get(usage_path, params={"days": 7}, headers=admin)).json() == usage
    doc = await app.state.gateway.runtime.db.api_key_usage.find_one({"_id": f"{created['id']}|{today}"})
    assert (doc["requests"], doc["rate_limited"]) == (3, 1)
    listed = (await client.get(f"/api/agencies/{A}/api-keys", headers=admin)).json()["items"]
    assert next(k for k in listed if k["id"] == created["id"])["last_used_at"] is not None
    # A flush that died after MongoDB took its batch does not add it twice.
    assert await app.state.api_keys.limits.flush() == 0
    assert (await client.get(usage_path, params={"days": 7}, headers=admin)).json() == usage


async def test_agencies_cannot_touch_each_others_keys(
    client: httpx.AsyncClient, kit: Any, world: Any, services: Any
) -> None:
    a_admin, b_admin = kit.bearer(world[f"admin_{A}"]), kit.bearer(world[f"admin_{B}"])
    a_key = (await _create(client, kit, world[f"admin_{A}"], A))["key"]
    a_read = (await _create(client, kit, world[f"admin_{A}"], A, scopes=["read"]))["key"]
    b_created = await _create(client, kit, world[f"admin_{B}"], B)
    b_id = b_created["id"]
    citizen = await kit.register_and_login(client, "keys-nosy@example.org")

    def routes(agency: str, key_id: str) -> list[tuple[str, str, Any]]:
        base = f"/api/agencies/{agency}/api-keys"
        return [
            ("GET", base, None),
            ("POST", base, {"name": "x", "scopes": ["read"]}),
            ("POST", f"{base}/{key_id}/rotate", {"overlap_s": 0}),
            ("DELETE", f"{base}/{key_id}", None),
            ("GET", f"{base}/{key_id}/usage", None),
        ]

    for method, path, body in routes(B, b_id):
        for who in (a_admin, _key(a_key), kit.bearer(a_key), _key(a_read), kit.bearer(citizen)):
            r = await client.request(method, path, json=body, headers=who)
            assert r.status_code == 403, (method, path, who, r.text)
        assert (await client.request(method, path, json=body)).status_code == 401
    # B's key id under A's path, even for A's own admin: not found.
    for method, path, body in routes(A, b_id)[2:]:
        r = await client.request(method, path, json=body, headers=a_admin)
        assert _code(r) == (404, "api_key_not_found"), (method, path)
    # Keys never manage keys, not even their own agency's.
    for method, path, body in routes(A, a_key.split("_")[1]):
        assert (await client.request(method, path, json=body, headers=_key(a_key))).status_code == 403
    # Nothing of B's changed: its key still works and is still active.
    assert (await client.get("/api/proposals", headers=_key(b_created["key"]))).status_code == 200
    listed = (await client.get(f"/api/agencies/{B}/api-keys", headers=b_admin)).json()["items"]
    assert {k["id"]: k["status"] for k in listed}[b_id] == "active"
    # A super admin manages any agency's keys; an unknown agency is 404 to them.
    root = kit.bearer(world["root"])
    assert (await client.get(f"/api/agencies/{B}/api-keys", headers=root)).status_code == 200
    r = await client.get("/api/agencies/nowhere/api-keys", headers=root)
    assert _code(r) == (404, "agency_not_found")

    # A's key acts for no citizen and as no department of B's.
    body = {"title": "t", "body": "b", "category": "welfare"}
    r = await client.post("/api/proposals", json=body, headers=_key(a_key, **{"X-On-Behalf-Of": world[f"citizen_{B}"]}))
    assert _code(r) == (403, "not_agency_citizen")
    answer = {"decision": "accept", "answer": "x"}
    r = await client.post(
        "/api/review/cases/c1/answer", json=answer, headers=_key(a_key, **{"X-Department": "dept-b1"})
    )
    assert _code(r) == (403, "not_agency_department")
    # A's system cannot manage B's webhook subscriptions either (the route's own check).
    r = await client.get(f"/api/agencies/{B}/subscriptions", headers=_key(a_key))
    assert r.status_code == 403


async def test_the_redis_script_decides_as_the_window_arithmetic(app: FastAPI) -> None:
    """The Lua script and rate_window.allows are one rule: the same answer on the same counts."""
    limits = app.state.api_keys.limits
    redis = app.state.gateway.runtime.redis
    rng = random.Random(11)
    length = rw.MINUTE_MS
    for i in range(200):
        prev, curr, limit = rng.randint(0, 30), rng.randint(0, 30), rng.randint(1, 30)
        elapsed = rng.choice([0, 1, length // 2, length - 1, rng.randint(0, length - 1)])
        keys = [f"gk:test:parity:{i}:curr", f"gk:test:parity:{i}:prev", "gk:test:parity:usage"]
        await redis.set(keys[0], curr)
        await redis.set(keys[1], prev)
        allowed, seen_prev, seen_curr = await limits._hit(
            keys=keys, args=[limit, elapsed, length, f"k{i}|d|n", f"k{i}|d|r", f"k{i}|last", 1]
        )
        expected = rw.allows(prev, curr, elapsed, length, limit)
        assert bool(allowed) == expected, (prev, curr, elapsed, limit)
        assert (int(seen_prev), int(seen_curr)) == (prev, curr + 1 if expected else curr)
        await redis.delete(*keys[:2])
    await redis.delete("gk:test:parity:usage")
