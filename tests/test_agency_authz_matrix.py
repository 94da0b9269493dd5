"""Authorization across agencies, derived from the gateway's OpenAPI document: every operation whose
path names an agency's thing ({agency}, {department_id}, {key_id}, {subscription_id},
{delivery_id}) or that an API key may call (it declares the X-Api-Key scheme) must be in the
matrix below: either REFUSED (called on agency B's things by agency A's admin and by A's API key
with each scope, it answers 403 or 404 and B's state does not change), PUBLIC (anyone reads it, by
design) or NOT_B (it reaches no other agency's private state, with the reason). A new route that is
in none of them fails the test until someone decides where it belongs.

A is the host (Seoul): its keys can act for its verified citizens (`submit`) and as its departments
(`answer`); a second partner agency's admin (C) is refused the same way."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support import PASSWORD, Gateway, User, eventually

RUN = os.urandom(3).hex()
B = f"mx-b-{RUN}"
C = f"mx-c-{RUN}"
ID_PARAMS = ("{agency}", "{department_id}", "{key_id}", "{subscription_id}", "{delivery_id}")
REFUSALS = (403, 404)


@dataclass
class World:
    """Agency B's things the refused calls aim at."""

    dept: str
    team: str
    key_id: str
    sub_id: str
    case_id: str
    item_id: str
    comment_id: str
    boss_id: str  # B's agency admin account


Call = Callable[[World], tuple[str, Any]]  # (path, JSON body or None)

# Called on B's things by A's admin and A's keys: refused, B unchanged.
REFUSED: dict[tuple[str, str], Call] = {
    ("POST", "/api/items/{item_id}/decision-vote"): lambda w: (
        f"/api/items/{w.item_id}/decision-vote",
        {"budget_krw": 1_000_000_000},
    ),
    ("POST", "/api/admin/items/{item_id}/reconcile"): lambda w: (f"/api/admin/items/{w.item_id}/reconcile", None),
    ("PUT", "/api/agencies/{agency}/ruleset"): lambda w: (f"/api/agencies/{B}/ruleset", {"preset": "uk-petitions"}),
    ("PATCH", "/api/agencies/{agency}"): lambda w: (f"/api/agencies/{B}", {"name_ko": "빼앗긴 이름"}),
    ("POST", "/api/agencies/{agency}/close"): lambda w: (f"/api/agencies/{B}/close", None),
    ("POST", "/api/agencies/{agency}/departments"): lambda w: (f"/api/agencies/{B}/departments", {"name": "침입"}),
    ("PATCH", "/api/departments/{department_id}"): lambda w: (f"/api/departments/{w.team}", {"name": "바뀐 과"}),
    ("POST", "/api/departments/{department_id}/archive"): lambda w: (f"/api/departments/{w.team}/archive", None),
    ("PUT", "/api/agencies/{agency}/category-map"): lambda w: (
        f"/api/agencies/{B}/category-map",
        {"map": {"welfare": w.dept}},
    ),
    ("POST", "/api/agencies/{agency}/subscriptions"): lambda w: (
        f"/api/agencies/{B}/subscriptions",
        {"url": "http://127.0.0.1:9/hooks/stolen", "scope": "all"},
    ),
    ("GET", "/api/agencies/{agency}/subscriptions"): lambda w: (f"/api/agencies/{B}/subscriptions", None),
    ("GET", "/api/agencies/{agency}/subscriptions/{subscription_id}"): lambda w: (
        f"/api/agencies/{B}/subscriptions/{w.sub_id}",
        None,
    ),
    ("DELETE", "/api/agencies/{agency}/subscriptions/{subscription_id}"): lambda w: (
        f"/api/agencies/{B}/subscriptions/{w.sub_id}",
        None,
    ),
    ("POST", "/api/agencies/{agency}/subscriptions/{subscription_id}/replay"): lambda w: (
        f"/api/agencies/{B}/subscriptions/{w.sub_id}/replay",
        {"from_seq": 1},
    ),
    ("GET", "/api/agencies/{agency}/subscriptions/{subscription_id}/deliveries"): lambda w: (
        f"/api/agencies/{B}/subscriptions/{w.sub_id}/deliveries",
        None,
    ),
    ("POST", "/api/agencies/{agency}/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver"): lambda w: (
        f"/api/agencies/{B}/subscriptions/{w.sub_id}/deliveries/dlv_1/redeliver",
        None,
    ),
    ("POST", "/api/agencies/{agency}/kafka-credentials"): lambda w: (f"/api/agencies/{B}/kafka-credentials", None),
    ("GET", "/api/agencies/{agency}/kafka-credentials"): lambda w: (f"/api/agencies/{B}/kafka-credentials", None),
    ("DELETE", "/api/agencies/{agency}/kafka-credentials"): lambda w: (f"/api/agencies/{B}/kafka-credentials", None),
    ("POST", "/api/agencies/{agency}/api-keys"): lambda w: (
        f"/api/agencies/{B}/api-keys",
        {"name": "훔친 키", "scopes": ["read"]},
    ),
    ("GET", "/api/agencies/{agency}/api-keys"): lambda w: (f"/api/agencies/{B}/api-keys", None),
    ("POST", "/api/agencies/{agency}/api-keys/{key_id}/rotate"): lambda w: (
        f"/api/agencies/{B}/api-keys/{w.key_id}/rotate",
        {"overlap_s": 0},
    ),
    ("DELETE", "/api/agencies/{agency}/api-keys/{key_id}"): lambda w: (f"/api/agencies/{B}/api-keys/{w.key_id}", None),
    ("GET", "/api/agencies/{agency}/api-keys/{key_id}/usage"): lambda w: (
        f"/api/agencies/{B}/api-keys/{w.key_id}/usage",
        None,
    ),
    ("POST", "/api/admin/accounts"): lambda w: (
        "/api/admin/accounts",
        {
            "email": f"mole-{os.urandom(3).hex()}@test.local",
            "password": PASSWORD,
            "display_name": "잠입",
            "role": "officer",
            "agency": B,
            "department_id": w.team,
        },
    ),
    ("GET", "/api/review/cases/{case_id}"): lambda w: (f"/api/review/cases/{w.case_id}", None),
    ("POST", "/api/review/cases/{case_id}/answer"): lambda w: (
        f"/api/review/cases/{w.case_id}/answer",
        {"decision": "accept", "answer": "남의 기관이 대신 답합니다"},
    ),
    ("POST", "/api/review/cases/{case_id}/approve"): lambda w: (f"/api/review/cases/{w.case_id}/approve", None),
    ("POST", "/api/review/cases/{case_id}/return"): lambda w: (
        f"/api/review/cases/{w.case_id}/return",
        {"reason": "돌려보냄"},
    ),
    ("POST", "/api/review/cases/{case_id}/reassign-request"): lambda w: (
        f"/api/review/cases/{w.case_id}/reassign-request",
        {"reason": "다른 부서로"},
    ),
    ("POST", "/api/review/cases/{case_id}/assign"): lambda w: (
        f"/api/review/cases/{w.case_id}/assign",
        {"department_id": w.dept},
    ),
    ("PATCH", "/api/proposals/{item_id}"): lambda w: (f"/api/proposals/{w.item_id}", {"title": "가로챈 제목"}),
    ("POST", "/api/proposals/{item_id}/withdraw"): lambda w: (f"/api/proposals/{w.item_id}/withdraw", None),
    ("PUT", "/api/proposals/{item_id}/visibility"): lambda w: (
        f"/api/proposals/{w.item_id}/visibility",
        {"visibility": "private", "reason": "숨김"},
    ),
    ("POST", "/api/moderation/{target_type}/{target_id}/{action}"): lambda w: (
        f"/api/moderation/proposal/{w.item_id}/hide",
        {"reason": "숨김"},
    ),
    ("POST", "/api/items/{item_id}/offline-ballots"): lambda w: (
        f"/api/items/{w.item_id}/offline-ballots",
        {"csv": "name,birth_date,phone,choice"},
    ),
    ("GET", "/api/items/{item_id}/offline-ballots/{import_id}"): lambda w: (
        f"/api/items/{w.item_id}/offline-ballots/{'0' * 64}",
        None,
    ),
    ("POST", "/api/debates"): lambda w: ("/api/debates", {"proposal_id": w.item_id, "vote_type": "discussion"}),
    ("POST", "/api/admin/accounts/{account_id}/sessions/revoke"): lambda w: (
        f"/api/admin/accounts/{w.boss_id}/sessions/revoke",
        None,
    ),
    ("POST", "/api/review/cases/{case_id}/committee"): lambda w: (f"/api/review/cases/{w.case_id}/committee", None),
    ("POST", "/api/items/{item_id}/execution/budget"): lambda w: (
        f"/api/items/{w.item_id}/execution/budget",
        {"source": "남의 예산"},
    ),
    ("POST", "/api/items/{item_id}/execution/milestones"): lambda w: (
        f"/api/items/{w.item_id}/execution/milestones",
        {"title": "가짜 경과", "progress_pct": 90},
    ),
    ("POST", "/api/items/{item_id}/execution/reports"): lambda w: (
        f"/api/items/{w.item_id}/execution/reports",
        {"title": "가짜 보고", "body": "x"},
    ),
    ("POST", "/api/items/{item_id}/execution/complete"): lambda w: (
        f"/api/items/{w.item_id}/execution/complete",
        {"title": "가짜 완료", "body": "x"},
    ),
}

# Anyone may read these, signed in or not: an agency's public face.
PUBLIC = {
    ("GET", "/api/agencies/{agency}"): "names, branding, status: the sub-site shows them",
    ("GET", "/api/agencies/{agency}/ruleset"): "the thresholds new items open under, public",
    ("GET", "/api/agencies/{agency}/ruleset/versions"): "the thresholds every citizen is held to",
    ("GET", "/api/agencies/{agency}/departments"): "the department tree answers are published under",
    ("GET", "/api/agencies/{agency}/category-map"): "which department answers which category, public",
    ("GET", "/api/agencies/{agency}/department-stats"): "departments accountable in public (부서별 답변 현황)",
    ("GET", "/api/proposals"): "public lists (the host's holds every agency's items)",
    ("GET", "/api/proposals/{item_id}"): "a public item",
    ("GET", "/api/proposals/{item_id}/timeline"): "a public item's timeline",
    ("GET", "/api/proposals/{item_id}/cases"): "published answers only",
    ("GET", "/api/proposals/{item_id}/comments"): "public comments",
    ("GET", "/api/items/{item_id}/timeline"): "a public item's timeline",
    ("GET", "/api/items/{item_id}/cases"): "published answers only",
    ("GET", "/api/departments"): "the host's public department list",
}

# Reach no other agency's private state, by construction.
NOT_B = {
    ("POST", "/api/auth/verify"): "the caller's own identity",
    ("GET", "/api/me"): "the caller's own account",
    ("GET", "/api/inbox"): "the caller's own inbox",
    ("POST", "/api/inbox/{notification_id}/read"): "the caller's own notification",
    ("GET", "/api/me/notification-preferences"): "the caller's own notification settings",
    ("PUT", "/api/me/notification-preferences"): "the caller's own notification settings",
    ("GET", "/api/me/notification-deliveries"): "the caller's own e-mail and SMS deliveries",
    ("POST", "/api/proposals"): "files as the caller (a key: its own agency's citizen); a closed agency refuses",
    ("POST", "/api/proposals/similar"): "a read of public items",
    ("POST", "/api/proposals/{item_id}/comments"): "any citizen comments on any public item",
    ("POST", "/api/comments/{comment_id}/replies"): "any citizen replies on any public item",
    ("GET", "/api/proposals/{item_id}/follow"): "the caller's own follow",
    ("POST", "/api/proposals/{item_id}/follow"): "the caller's own follow",
    ("DELETE", "/api/proposals/{item_id}/follow"): "the caller's own follow",
    ("POST", "/api/proposals/{item_id}/flags"): "any citizen reports any public item",
    ("POST", "/api/comments/{comment_id}/flags"): "any citizen reports any public comment",
    ("POST", "/api/items/{item_id}/votes"): "people vote, keys never (403 keys_do_not_vote)",
    ("POST", "/api/consultations"): "filed under the caller's own agency",
    ("POST", "/api/agencies"): "super admin only",
    ("GET", "/api/review/cases"): "a staff member's own queue (checked below: B's case is not in A's)",
    ("GET", "/api/moderation/queue"): "operators' queue of their own agency",
    ("GET", "/api/moderation/audit"): "operators' audit log",
    ("GET", "/api/feed"): "public events only; scope own is the caller's agency",
    ("GET", "/api/feed/stream"): "public events only; scope own is the caller's agency",
    ("GET", "/api/committee/agendas"): "the caller's own agency's agenda (committee members, operators, departments)",
    ("POST", "/api/committee/selection"): "ranks and selects only the caller's own agency's items",
    # Another agency's agenda item answers 404 to its committee and operators: tests/test_civic_loop_complete.py.
    ("GET", "/api/committee/agendas/{agenda_id}"): "another agency's agenda item is not found (404)",
    ("POST", "/api/committee/agendas/{agenda_id}/scores"): "only the item's own agency's committee (else 404)",
    ("POST", "/api/committee/agendas/{agenda_id}/plan"): "only the item's own agency's committee and operators",
    ("POST", "/api/committee/agendas/{agenda_id}/verdict"): "only the executing department's officers",
}


def _selected(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    chosen = set()
    for path, operations in openapi["paths"].items():
        for method, op in operations.items():
            keyed = any("APIKeyHeader" in s for s in op.get("security", []))
            if any(p in path for p in ID_PARAMS) or keyed:
                chosen.add((method.upper(), path))
    return chosen


async def test_the_matrix_covers_every_route_an_agency_key_or_admin_can_call(gw: Gateway) -> None:
    openapi = await gw.ok("GET", "/openapi.json")
    every = {(m.upper(), p) for p, ops in openapi["paths"].items() for m in ops}
    selected = _selected(openapi)
    matrix = set(REFUSED) | set(PUBLIC) | set(NOT_B)
    assert not selected - matrix, f"routes in no row of the matrix: {sorted(selected - matrix)}"
    assert not matrix - every, f"rows for routes that no longer exist: {sorted(matrix - every)}"
    assert not set(REFUSED) & set(PUBLIC)
    assert not set(REFUSED) & set(NOT_B)
    assert not set(PUBLIC) & set(NOT_B)


async def _agency(gw: Gateway, root: User, agency: str) -> User:
    await gw.ok("POST", "/api/agencies", root, {"id": agency, "name_ko": f"기관 {agency}", "name_en": agency})
    email = f"admin-{agency}@test.local"
    body = {"email": email, "password": PASSWORD, "display_name": "관리자", "role": "agency_admin", "agency": agency}
    await gw.ok("POST", "/api/admin/accounts", root, body)
    return await gw.login(email)


async def _world(gw: Gateway, boss: User) -> World:
    dept = await gw.ok("POST", f"/api/agencies/{B}/departments", boss, {"name": "시민본부"})
    team = await gw.ok("POST", f"/api/agencies/{B}/departments", boss, {"name": "민원과", "parent_id": dept["id"]})
    await gw.ok("PUT", f"/api/agencies/{B}/category-map", boss, {"map": {"welfare": team["id"]}})
    await gw.ok("PUT", f"/api/agencies/{B}/ruleset", boss, {"preset": "oasis"})
    key = await gw.ok("POST", f"/api/agencies/{B}/api-keys", boss, {"name": "B 시스템", "scopes": ["read"]})
    # Only events that will not happen here: its delivery log stays as it is.
    sub = await gw.ok(
        "POST",
        f"/api/agencies/{B}/subscriptions",
        boss,
        {"url": "http://127.0.0.1:9/hooks/b", "scope": "own", "types": ["debate.closed"]},
    )
    author = await gw.citizen("B 제안자")
    item = await gw.ok(
        "POST",
        "/api/proposals",
        author,
        {"title": f"B 기관 제안 {RUN}", "body": "B 기관의 부서가 답할 제안입니다.", "category": "welfare", "agency": B},
    )
    comment = await gw.ok("POST", f"/api/proposals/{item['id']}/comments", author, {"body": "작성자의 덧붙임"})
    supporters = await asyncio.gather(*(gw.citizen() for _ in range(5)))
    await eventually(lambda: _ok(gw, f"/api/proposals/{item['id']}/tally"), what="ballot open")
    await asyncio.gather(*(gw.ok("POST", f"/api/proposals/{item['id']}/support", s) for s in supporters))

    async def case() -> str | None:
        r = await gw.req("GET", f"/api/proposals/{item['id']}/cases")
        return str(r.body["items"][0]["id"]) if r.status == 200 and r.body["items"] else None

    case_id = await eventually(case, timeout=60, what="B's review case")
    return World(dept["id"], team["id"], key["id"], sub["id"], case_id, item["id"], comment["id"], boss.account["id"])


async def _ok(gw: Gateway, path: str) -> bool:
    return (await gw.req("GET", path)).status == 200


async def _state(gw: Gateway, root: User, w: World) -> Any:
    paths = [
        f"/api/agencies/{B}",
        f"/api/agencies/{B}/departments",
        f"/api/agencies/{B}/category-map",
        f"/api/agencies/{B}/ruleset/versions",
        f"/api/agencies/{B}/api-keys",
        f"/api/agencies/{B}/api-keys/{w.key_id}/usage?days=1",
        f"/api/agencies/{B}/subscriptions",
        f"/api/agencies/{B}/subscriptions/{w.sub_id}/deliveries",
        f"/api/review/cases/{w.case_id}",
        f"/api/proposals/{w.item_id}",
        f"/api/proposals/{w.item_id}/timeline",
        f"/api/proposals/{w.item_id}/comments",
    ]
    state = [await gw.ok("GET", p, root) for p in paths]
    # A lane's cursor moves past events it does not want by itself; what it delivered is the state.
    state[6] = [{k: v for k, v in s.items() if k != "cursor"} for s in state[6]["items"]]
    state[7] = state[7]["items"]
    kafka = await gw.req("GET", f"/api/agencies/{B}/kafka-credentials", root)
    return [*state, (kafka.status, kafka.body)]


async def _as(gw: Gateway, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    async with gw.s.request(method, f"{gw.base}{path}", json=body, headers=headers) as r:
        return r.status, await r.json(content_type=None)


async def test_agency_a_admin_and_keys_are_refused_on_every_route_of_agency_b(gw: Gateway) -> None:
    root = await gw.admin()
    boss_b = await _agency(gw, root, B)
    boss_c = await _agency(gw, root, C)
    w = await _world(gw, boss_b)

    # A: the host. Its admin, and its system's keys with each scope (acting as itself, for one of
    # its verified citizens, as one of its departments).
    admin_a = await gw.staff("agency_admin")
    citizen_a = await gw.citizen("A 시민")
    actors: dict[str, dict[str, str]] = {
        "A admin": {"Authorization": f"Bearer {admin_a.token}"},
        "C admin": {"Authorization": f"Bearer {boss_c.token}"},
    }
    for scope, extra in (
        ("read", {}),
        ("subscriptions", {}),
        ("submit", {"X-On-Behalf-Of": citizen_a.account["id"]}),
        ("answer", {"X-Department": "dept-welfare"}),
    ):
        body = {"name": f"A {scope} {RUN}", "scopes": [scope], "rate_limit_per_min": 60_000}
        key = (await gw.ok("POST", "/api/agencies/seoul/api-keys", root, body))["key"]
        actors[f"A key {scope}"] = {"X-Api-Key": key, **extra}

    before = await _state(gw, root, w)
    wrong = []
    for (method, template), call in sorted(REFUSED.items()):
        for who, headers in actors.items():
            path, body = call(w)
            status, reply = await _as(gw, method, path, body, headers)
            if status not in REFUSALS:
                wrong.append((who, method, template, status, reply))
            elif who == "A key subscriptions" and "/subscriptions" in template:
                # Refused for being another agency's, not for a missing scope: the key has the scope.
                code = reply["error"]["code"]
                if code == "insufficient_scope":
                    wrong.append((who, method, template, status, reply))
    assert not wrong, "allowed across agencies:\n" + "\n".join(map(repr, wrong))
    assert await _state(gw, root, w) == before, "a refused request changed B's state"

    # Lists a staff member or a key may read show nothing of B's private things.
    for who, headers in actors.items():
        status, page = await _as(gw, "GET", "/api/review/cases", None, headers)
        if status == 200:
            assert w.case_id not in {c["id"] for c in page["items"]}, who
