"""An API key counts wherever it is presented, across the real processes: on public GET routes that
need no caller it is checked (a made-up, malformed or revoked key is 401, not read as anonymous),
counted in its usage and held to its rate limit; and an event stream opened with a key (the feed,
a live tally) ends soon after the key is revoked or its agency closed, instead of staying open."""

from __future__ import annotations

import os
from typing import Any

import aiohttp

from tests.support import PASSWORD, Gateway, User

RUN = os.urandom(3).hex()
PUBLIC_GETS = ("/api/meta", "/api/agencies", "/api/consultations", "/api/agencies/seoul/ruleset/versions")


async def _get(gw: Gateway, path: str, key: str) -> tuple[int, Any, dict[str, str]]:
    async with gw.s.get(f"{gw.base}{path}", headers={"X-Api-Key": key}) as r:
        return r.status, await r.json(content_type=None), dict(r.headers)


async def _key(gw: Gateway, who: User, agency: str, scopes: list[str], limit: int = 60_000) -> dict[str, Any]:
    body = {"name": f"공개 읽기 {RUN}", "scopes": scopes, "rate_limit_per_min": limit}
    created: dict[str, Any] = await gw.ok("POST", f"/api/agencies/{agency}/api-keys", who, body)
    return created


async def test_a_key_on_public_routes_is_checked_counted_and_limited(gw: Gateway) -> None:
    root = await gw.admin()
    limited = await _key(gw, root, "seoul", ["read"], limit=len(PUBLIC_GETS))
    for path in PUBLIC_GETS:
        status, body, _ = await _get(gw, path, limited["key"])
        assert status == 200, (path, body)
    status, body, headers = await _get(gw, "/api/meta", limited["key"])
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert int(headers["Retry-After"]) >= 1
    usage = await gw.ok("GET", f"/api/agencies/seoul/api-keys/{limited['id']}/usage?days=1", root)
    assert (usage["requests"], usage["rate_limited"]) == (len(PUBLIC_GETS), 1)

    # Anonymous, the same routes answer; a key that opens nothing is refused, never anonymous.
    assert (await gw.req("GET", "/api/meta")).status == 200
    made_up = "gk_" + "a" * 16 + "_" + "b" * 43
    for bad in (made_up, "gk_not-a-key"):
        for path in PUBLIC_GETS:
            status, body, _ = await _get(gw, path, bad)
            assert (status, body["error"]["code"]) == (401, "invalid_api_key"), (path, bad)
    async with gw.s.get(f"{gw.base}/api/meta", headers={"Authorization": f"Bearer {made_up}"}) as r:
        assert r.status == 401

    # The scope applies too: a key for subscriptions only does not read the rest of the API.
    subs_only = await _key(gw, root, "seoul", ["subscriptions"])
    status, body, _ = await _get(gw, "/api/meta", subs_only["key"])
    assert (status, body["error"]["code"]) == (403, "insufficient_scope")

    await gw.ok("DELETE", f"/api/agencies/seoul/api-keys/{subs_only['id']}", root)
    reader = await _key(gw, root, "seoul", ["read"])
    await gw.ok("DELETE", f"/api/agencies/seoul/api-keys/{reader['id']}", root)
    for path in PUBLIC_GETS:
        status, body, _ = await _get(gw, path, reader["key"])
        assert (status, body["error"]["code"]) == (401, "api_key_revoked"), path


async def _open(gw: Gateway, path: str, key: str) -> aiohttp.ClientResponse:
    resp = await gw.s.get(f"{gw.base}{path}", headers={"X-Api-Key": key}, timeout=aiohttp.ClientTimeout(total=120))
    assert resp.status == 200, await resp.text()
    assert (await resp.content.readline()).startswith(b"retry:")
    return resp


async def _to_the_end(resp: aiohttp.ClientResponse) -> bytes:
    """Everything the stream still sends, up to its end (the server closes it)."""
    rest = await resp.content.read()
    resp.release()
    return rest


async def test_streams_opened_with_a_key_end_when_it_is_revoked(gw: Gateway) -> None:
    root = await gw.admin()
    author = await gw.citizen()
    body = {
        "title": f"스트림 종료 확인 제안 {RUN}",
        "body": "키를 폐기하면 열린 스트림이 닫히는지 봅니다.",
        "category": "welfare",
    }
    pid = (await gw.ok("POST", "/api/proposals", author, body))["id"]

    key = await _key(gw, root, "seoul", ["read"])
    feed = await _open(gw, "/api/feed/stream", key["key"])
    tally = await _open(gw, f"/api/proposals/{pid}/tally/stream", key["key"])
    await gw.ok("DELETE", f"/api/agencies/seoul/api-keys/{key['id']}", root)
    for resp in (feed, tally):
        rest = await _to_the_end(resp)
        assert rest.endswith(b'event: error\ndata: {"code": "api_key_revoked"}\n\n'), rest[-200:]

    # Closing an agency revokes its keys, so its system's stream ends too.
    agency = f"stream-{RUN}"
    await gw.ok("POST", "/api/agencies", root, {"id": agency, "name_ko": "스트림 재단", "name_en": "Stream"})
    email = f"admin-{agency}@test.local"
    await gw.ok(
        "POST",
        "/api/admin/accounts",
        root,
        {"email": email, "password": PASSWORD, "display_name": "관리자", "role": "agency_admin", "agency": agency},
    )
    boss = await gw.login(email)
    system = await _key(gw, boss, agency, ["subscriptions"])
    stream = await _open(gw, "/api/feed/stream", system["key"])
    await gw.ok("POST", f"/api/agencies/{agency}/close", root)
    rest = await _to_the_end(stream)
    assert rest.endswith(b'event: error\ndata: {"code": "api_key_revoked"}\n\n'), rest[-200:]
