"""Who may open which console screen, and that the console adds no power of its own: every act
goes through the public API as the signed-in staff member (agency, role and CSRF checked)."""

from __future__ import annotations

import re

import aiohttp
import pytest

from gongnon_infra.cluster import Cluster
from tests.support import PASSWORD, Gateway, _run

pytestmark = pytest.mark.cluster


async def _session(base: str, email: str) -> aiohttp.ClientSession:
    s = aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True))  # 127.0.0.1
    async with s.post("/login", data={"email": email, "password": PASSWORD, "next": "/"}, allow_redirects=False) as r:
        assert r.status == 303, await r.text()
    return s


async def _get(s: aiohttp.ClientSession, path: str) -> tuple[int, str, str]:
    async with s.get(path, allow_redirects=False) as r:
        return r.status, r.headers.get("Location", ""), await r.text()


async def test_roles_open_only_their_screens(cluster: Cluster, gw: Gateway) -> None:
    base = cluster.gateway_url
    async with aiohttp.ClientSession(base_url=base) as anonymous:
        status, location, _ = await _get(anonymous, "/console/proposals")
        assert (status, location) == (303, "/login?next=/console/proposals")
        status, location, _ = await _get(anonymous, "/en/console/cases")
        assert (status, location) == (303, "/en/login?next=/console/cases")

    citizen = await gw.citizen()
    officer = await gw.staff("officer", "dept-welfare")
    operator = await gw.staff("operator")
    screens = {
        citizen.email: {"/console": 403, "/console/proposals": 403, "/console/cases": 403, "/console/agency": 403},
        officer.email: {"/console": 200, "/console/cases": 200, "/console/proposals": 403, "/console/agency": 403},
        operator.email: {
            "/console/proposals": 200,
            "/console/answers": 200,
            "/console/agency": 403,
            "/console/agencies": 403,
            "/console/cases": 403,
        },
    }
    for email, expected in screens.items():
        s = await _session(base, email)
        try:
            for path, want in expected.items():
                status, _, html = await _get(s, path)
                assert status == want, (email, path, status)
                if want == 403:
                    assert "이 화면을 볼 권한이 없습니다" in html
        finally:
            await s.close()


async def test_a_post_without_the_session_s_csrf_token_changes_nothing(cluster: Cluster, gw: Gateway) -> None:
    author = await gw.citizen()
    item = (
        await gw.ok(
            "POST",
            "/api/proposals",
            author,
            {"title": f"콘솔 권한 {_run}", "body": "콘솔 권한을 확인하는 제안 본문입니다.", "category": "welfare"},
        )
    )["id"]
    operator = await gw.staff("operator")
    s = await _session(cluster.gateway_url, operator.email)
    try:
        form = {"action": "hide", "reason": "시험", "ids": item, "csrf": "forged"}
        async with s.post("/console/proposals/bulk", data=form, allow_redirects=False) as r:
            assert r.status == 303
            assert "done=expired" in r.headers["Location"]
        assert (await gw.ok("GET", f"/api/proposals/{item}"))["id"] == item  # still public
        # With the page's token the same form hides it, through the moderation API (audited).
        _, _, html = await _get(s, "/console/proposals?tab=public")
        token = re.search(r'name="csrf" value="([^"]+)"', html)
        assert token is not None
        async with s.post("/console/proposals/bulk", data={**form, "csrf": token.group(1)}, allow_redirects=False) as r:
            assert "done=hidden" in r.headers["Location"], r.headers["Location"]
        assert (await gw.req("GET", f"/api/proposals/{item}")).status == 404
        audit = await gw.ok("GET", f"/api/moderation/audit?target={item}", operator)
        assert [a["action"] for a in audit["items"]] == ["hide"]
    finally:
        await s.close()


async def test_an_operator_asks_citizens_from_the_console(cluster: Cluster, gw: Gateway) -> None:
    operator = await gw.staff("operator")
    s = await _session(cluster.gateway_url, operator.email)
    try:
        _, _, html = await _get(s, "/console/deliberations")
        token = re.search(r'name="csrf" value="([^"]+)"', html)
        assert token is not None
        form = {
            "title": f"심야버스 노선을 늘릴까요? {_run}",
            "body": "시민 여러분의 의견을 묻습니다.",
            "category": "transport",
            "yes_label": "늘려 주세요",
            "no_label": "지금도 충분합니다",
            "other_label": "",
            "days": "30",
            "csrf": token.group(1),
        }
        async with s.post("/console/deliberations/consultations", data=form, allow_redirects=False) as r:
            assert "done=consulted" in r.headers["Location"], r.headers["Location"]
        listed = await gw.ok("GET", "/api/consultations?limit=50")
        [asked] = [c for c in listed["items"] if c["title"] == form["title"]]
        detail = await gw.ok("GET", f"/api/consultations/{asked['id']}")
        assert [(o["id"], o["label"]) for o in detail["ballot"]["options"]] == [
            ("yes", "늘려 주세요"),
            ("no", "지금도 충분합니다"),
        ]
        # Without a question the API refuses, and the console says so instead of failing.
        async with s.post(
            "/console/deliberations/consultations", data={**form, "title": ""}, allow_redirects=False
        ) as r:
            assert "error=" in r.headers["Location"]
    finally:
        await s.close()
