"""Debates (시민토론) and city consultations (서울시가 묻습니다) across the five processes, driven
only through the gateway: the seed's real consultation (369 participants: 115 yes, 251 no,
3 other) closes on the platform clock, its exact result is published and goes to the department
(answer within 60 days); a debate-candidate proposal's debate reaches democracy-seoul-2020's
1,000 participants and the mayor-answer milestone fires exactly once."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from gongnon_infra.cluster import Cluster
from tests.support import PASSWORD, Gateway, Resp, User, eventually

DAY_S = 86_400
BATCH = 25  # concurrent requests per wave: many at once, without queueing for minutes

GOCHEOK = {
    "title": "고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
    "body": (
        "고척스카이돔에서는 공연과 경기 때마다 한 번 쓰고 버려지는 플라스틱 응원봉이 쏟아집니다. "
        "경기장 안에서 플라스틱 응원봉 사용을 금지하면 어떨까요? 시민 여러분의 의견을 들려주세요."
    ),
    "category": "environment",
    "vote_type": "choice",
    "options": [
        {"id": "yes", "label": "찬성"},
        {"id": "no", "label": "반대"},
        {"id": "other", "label": "기타"},
    ],
    "days": 30,
}
STREET_CATS = {
    "title": "길고양이와의 공존을 위해 우리는 무엇을 해야 할까요?",
    "body": "길고양이와 공존하기 위한 방안을 모두 골라 주세요. 최대 3개까지 선택할 수 있습니다.",
    "category": "environment",
    "vote_type": "multi",
    "options": [
        {"id": "apartments", "label": "아파트 공동 관리"},
        {"id": "ngos", "label": "시민단체 협조"},
        {"id": "districts", "label": "자치구 행정 신청"},
        {"id": "citizens", "label": "시민 개개인의 솔선수범"},
        {"id": "council", "label": "협약체 구성 및 토론"},
    ],
    "max_choices": 3,
    "days": 30,
}

_RUN = os.urandom(3).hex()
_RUN_DIGITS = f"{int.from_bytes(os.urandom(2), 'big') % 10000:04d}"
_serial = itertools.count()
# Verified citizens are expensive to make (scrypt on sign-up and on login): made once per run
# and reused across the tests of this module.
_citizens: list[User] = []


@pytest.fixture
async def gw(cluster: Cluster) -> AsyncIterator[Gateway]:
    """The suite's client, with idle connections dropped before uvicorn's 5 s keep-alive ends:
    a request sent on a connection the server is closing at that moment fails as 'Server
    disconnected', and these tests keep many connections busy, then idle, then busy again."""
    connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=1.0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as s:
        yield Gateway(s, cluster.gateway_url)


async def verified_citizen(gw: Gateway) -> User:
    """Sign up, log in and verify through the gateway; verification returns the citizen's token."""
    n = next(_serial)
    email = f"dl{_RUN}-{n}@test.local"
    await gw.ok("POST", "/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": f"참여{n}"})
    session = await gw.login(email)
    who = {
        "name": f"참여자{n}{_RUN}",
        "birth_date": f"19{60 + n % 40:02d}-03-{1 + n % 28:02d}",
        "phone": f"010{n:04d}{_RUN_DIGITS}",
    }
    body = await gw.ok("POST", "/api/auth/verify", session, who)
    return User(email, body["token"], body["account"])


async def citizens(gw: Gateway, n: int) -> list[User]:
    while len(_citizens) < n:
        wave = min(BATCH * 2, n - len(_citizens))
        _citizens.extend(await asyncio.gather(*(verified_citizen(gw) for _ in range(wave))))
    return _citizens[:n]


async def in_waves(gw: Gateway, path: str, calls: list[tuple[User, Any]]) -> list[Resp]:
    """POST to `path` as each (user, body), concurrently, BATCH at a time."""
    out: list[Resp] = []
    for i in range(0, len(calls), BATCH):
        out.extend(await asyncio.gather(*(gw.req("POST", path, u, body) for u, body in calls[i : i + BATCH])))
    return out


async def when(gw: Gateway, path: str, pred: Callable[[Any], bool], user: User | None = None) -> Any:
    r = await gw.req("GET", path, user)
    return r.body if r.status == 200 and pred(r.body) else None


def code(r: Resp) -> str:
    return str(r.body["error"]["code"]) if isinstance(r.body, dict) and "error" in r.body else ""


def refused(r: Resp, status: int, error_code: str | None = None) -> None:
    assert r.status == status, (r.status, r.body)
    if error_code is not None:
        assert code(r) == error_code, r.body


def has_action(p: dict[str, Any], action: str) -> bool:
    return any(m["action"] == action for m in p["milestones"])


def days_between(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)) / timedelta(days=1)


async def test_gocheok_consultation_publishes_the_exact_result_and_goes_to_the_department(gw: Gateway) -> None:
    officer = await gw.staff("officer", "dept-environment")
    operator = await gw.staff("operator")
    other_officer = await gw.staff("officer", "dept-transport")

    # 여론수렴기간 30일 이상: shorter is refused, and only an operator may override it.
    short = await gw.req("POST", "/api/consultations", officer, {**GOCHEOK, "days": 20})
    refused(short, 422, "period_too_short")
    forced = await gw.req("POST", "/api/consultations", officer, {**GOCHEOK, "days": 20, "allow_short_period": True})
    assert forced.status == 403, forced.body
    elsewhere = {**GOCHEOK, "department_id": "dept-environment"}
    refused(await gw.req("POST", "/api/consultations", other_officer, elsewhere), 403, "not_your_department")
    voters = await citizens(gw, 371)
    by_citizen = await gw.req("POST", "/api/consultations", voters[0], GOCHEOK)
    assert by_citizen.status == 403, by_citizen.body

    item = await gw.ok("POST", "/api/consultations", officer, GOCHEOK)
    cid = item["id"]
    assert (item["kind"], item["vote_type"], item["status"], item["department_id"]) == (
        "consultation",
        "choice",
        "open",
        "dept-environment",
    )
    assert item["days_left"] in (29, 30)
    assert days_between(item["closes_at"], item["opens_at"]) == 30
    assert [o["label"] for o in item["ballot"]["options"]] == ["찬성", "반대", "기타"]
    multi = await gw.ok("POST", "/api/consultations", operator, STREET_CATS)
    mid = multi["id"]
    assert multi["ballot"]["max_choices"] == 3

    # voting-svc defined both ballots from deliberation.opened.
    ballot = await eventually(lambda: when(gw, f"/api/items/{cid}/ballot", lambda b: True), what="ballot defined")
    assert ballot["kind"] == "choice"
    assert [(o["id"], o["label"]) for o in ballot["options"]] == [("yes", "찬성"), ("no", "반대"), ("other", "기타")]
    await eventually(lambda: when(gw, f"/api/items/{mid}/ballot", lambda b: True), what="multi ballot defined")

    # 369 verified citizens: 115 yes, 251 no, 3 other, cast concurrently in waves.
    choices = ["yes"] * 115 + ["no"] * 251 + ["other"] * 3
    random.Random(369).shuffle(choices)
    ballots = [(u, {"choices": [c]}) for u, c in zip(voters[:369], choices, strict=True)]
    cast = await in_waves(gw, f"/api/items/{cid}/votes", ballots)
    assert [r.status for r in cast] == [201] * 369, [r.body for r in cast if r.status != 201][:3]

    again = await gw.req("POST", f"/api/items/{cid}/votes", voters[0], {"choices": ["yes"]})
    refused(again, 409, "already_voted")
    late, spare = voters[369], voters[370]
    invalid = await gw.req("POST", f"/api/items/{cid}/votes", late, {"choices": ["maybe"]})
    refused(invalid, 422, "invalid_choice")
    two = await gw.req("POST", f"/api/items/{cid}/votes", late, {"choices": ["yes", "no"]})
    assert two.status == 422, two.body
    four = {"choices": ["apartments", "ngos", "districts", "council"]}
    refused(await gw.req("POST", f"/api/items/{mid}/votes", spare, four), 422, "invalid_choice")
    await gw.ok("POST", f"/api/items/{mid}/votes", spare, {"choices": ["ngos", "council", "citizens"]})

    # Nothing is published while the consultation runs.
    running = await gw.ok("GET", f"/api/items/{cid}/results")
    assert (running["published"], running["total"]) == (False, None)
    await eventually(lambda: when(gw, f"/api/items/{cid}/tally", lambda t: t["total"] == 369), what="ledger caught up")

    # 30 days later the window closes on the platform clock; voting-svc publishes the result.
    await gw.advance_clock(30 * DAY_S + 3600)
    result = await eventually(
        lambda: when(gw, f"/api/items/{cid}/results", lambda r: r["published"]), timeout=90, what="result published"
    )
    rows = {o["id"]: (o["label"], o["count"], o["percent"]) for o in result["options"]}
    assert result["total"] == 369
    assert rows == {"yes": ("찬성", 115, 31.2), "no": ("반대", 251, 68.0), "other": ("기타", 3, 0.8)}

    after = await gw.req("POST", f"/api/items/{cid}/votes", late, {"choices": ["yes"]})
    refused(after, 409, "voting_closed")
    final = await eventually(lambda: when(gw, f"/api/items/{cid}/results", lambda r: r["published"]))
    assert final["total"] == 369  # the refused late vote changed nothing

    # The result goes to the asking department, which answers within 60 days (2018 plan).
    cases = await eventually(lambda: when(gw, f"/api/items/{cid}/cases", lambda b: b["items"]), what="answer case")
    [case] = cases["items"]
    assert case["department_id"] == "dept-environment"
    assert abs(days_between(case["due_at"], case["opened_at"]) - 60) < 0.01
    answer = {
        "decision": "partial",
        "answer": "반대 의견이 많아 전면 금지 대신 재사용 응원봉 교환 행사를 열겠습니다.",
        "reason": "참여 시민 68%가 전면 금지에 반대했습니다.",
    }
    await gw.ok("POST", f"/api/review/cases/{case['id']}/answer", officer, answer)
    hidden = await gw.ok("GET", f"/api/items/{cid}/cases")
    assert hidden["items"][0]["answer"] is None  # not public before the operator approves
    await gw.ok("POST", f"/api/review/cases/{case['id']}/approve", operator)
    public = await gw.ok("GET", f"/api/items/{cid}/cases")
    assert public["items"][0]["decision"] == "partial"

    timeline = await eventually(
        lambda: when(gw, f"/api/items/{cid}/timeline", lambda t: len(t["items"]) >= 5), what="timeline"
    )
    kinds = [e["kind"] for e in timeline["items"]]
    assert kinds == [
        "deliberation.opened",
        "deliberation.result_published",
        "review.case_opened",
        "review.answer_submitted",
        "review.answer_published",
    ], kinds
    assert "찬성 115명(31.2%), 반대 251명(68.0%), 기타 3명(0.8%)" in timeline["items"][1]["summary"]

    # The public page shows the published result as bars with counts and %.
    page = await gw.req("GET", f"/consultations/{cid}")
    assert page.status == 200
    for shown in ("고척스카이돔", "115명 (31.2%)", "251명 (68.0%)", "3명 (0.8%)"):
        assert shown in page.body


async def test_debate_of_a_candidate_proposal_reaches_the_mayor_once(gw: Gateway) -> None:
    operator = await gw.staff("operator")
    author = await verified_citizen(gw)
    # democracy-seoul-2020: 100 supports → public debate; 1,000 debate participants → mayor answers.
    await gw.ok("PUT", "/api/agencies/seoul/ruleset", operator, {"preset": "democracy-seoul-2020"})
    try:
        proposal = await gw.ok(
            "POST",
            "/api/proposals",
            author,
            {
                "title": "한강공원 일회용 배달용기 사용을 줄이면 어떨까요?",
                "body": "주말마다 한강공원에 배달 음식 쓰레기가 넘쳐납니다. 다회용기 대여소를 두면 어떨까요?",
                "category": "environment",
            },
        )
        other = await gw.ok(
            "POST",
            "/api/proposals",
            author,
            {
                "title": "공감이 모자란 제안입니다",
                "body": "아직 토론 후보가 되지 못한 제안입니다.",
                "category": "other",
            },
        )
    finally:
        await gw.ok("PUT", "/api/agencies/seoul/ruleset", operator, {"preset": "democracy-seoul-2019"})
    pid = proposal["id"]
    assert proposal["rule_set_id"] == "democracy-seoul-2020"

    early = await gw.req("POST", "/api/debates", operator, {"proposal_id": other["id"], "vote_type": "discussion"})
    refused(early, 409, "not_debate_candidate")

    people = await citizens(gw, 1005)
    await eventually(lambda: when(gw, f"/api/proposals/{pid}/tally", lambda t: True), what="support ballot")
    supports = await in_waves(gw, f"/api/proposals/{pid}/support", [(u, None) for u in people[:100]])
    assert [r.status for r in supports] == [201] * 100
    await eventually(
        lambda: when(gw, f"/api/proposals/{pid}", lambda p: has_action(p, "debate_candidate")),
        what="debate candidate",
    )

    refused(await gw.req("POST", "/api/debates", people[0], {"proposal_id": pid, "vote_type": "discussion"}), 403)
    debate = await gw.ok("POST", "/api/debates", operator, {"proposal_id": pid, "vote_type": "discussion", "days": 30})
    did = debate["id"]
    assert (debate["kind"], debate["source_item_id"], debate["vote_type"]) == ("debate", pid, "discussion")
    twice = await gw.req("POST", "/api/debates", operator, {"proposal_id": pid, "vote_type": "discussion"})
    refused(twice, 409, "debate_exists")
    await eventually(lambda: when(gw, f"/api/items/{did}/ballot", lambda b: b["kind"] == "discussion"), what="ballot")

    # 999 participants: one short of the threshold, so no mayor answer yet.
    votes = await in_waves(gw, f"/api/items/{did}/votes", [(u, {"choices": []}) for u in people[:999]])
    assert [r.status for r in votes] == [201] * 999, [r.body for r in votes if r.status != 201][:3]
    below = await eventually(
        lambda: when(gw, f"/api/proposals/{pid}", lambda p: p["debate_participants"] == 999), what="999 counted"
    )
    assert not [m for m in below["milestones"] if m["action"] == "head_answer"]

    # The 1,000th participant (and a few more at the same moment) → exactly one milestone.
    votes = await asyncio.gather(*(gw.req("POST", f"/api/items/{did}/votes", u, {"choices": []}) for u in people[999:]))
    assert [r.status for r in votes] == [201] * 6
    reached = await eventually(
        lambda: when(gw, f"/api/proposals/{pid}", lambda p: p["debate_participants"] == 1005), what="1005 counted"
    )
    head = [m for m in reached["milestones"] if m["action"] == "head_answer"]
    assert len(head) == 1, reached["milestones"]
    assert (head[0]["threshold"], head[0]["metric"]) == (1000, "debate_participants")
    assert 1000 <= head[0]["value"] <= 1005

    # review-svc routed the mayor's answer to the head office.
    await eventually(
        lambda: when(
            gw, f"/api/proposals/{pid}/cases", lambda b: "dept-head" in {c["department_id"] for c in b["items"]}
        ),
        what="mayor's case",
    )

    # The debate closes 30 days on: its result goes to the department (30 days) and the proposal's
    # timeline shows it; the milestone still fired only once.
    await gw.advance_clock(30 * DAY_S + 3600)
    result = await eventually(
        lambda: when(gw, f"/api/items/{did}/results", lambda r: r["published"]), timeout=90, what="debate result"
    )
    assert result["total"] == 1005
    cases = await eventually(lambda: when(gw, f"/api/items/{did}/cases", lambda b: b["items"]), what="debate case")
    [case] = cases["items"]
    assert case["department_id"] == "dept-environment"
    assert abs(days_between(case["due_at"], case["opened_at"]) - 30) < 0.01
    timeline = await eventually(
        lambda: when(
            gw,
            f"/api/proposals/{pid}/timeline",
            lambda t: any(e["kind"] == "proposal.debate_result" for e in t["items"]),
        ),
        what="debate result on the proposal's timeline",
    )
    kinds = [e["kind"] for e in timeline["items"]]
    assert "proposal.debate_opened" in kinds
    assert sum(1 for e in timeline["items"] if e["data"].get("action") == "head_answer") == 1
    again = await gw.ok("GET", f"/api/proposals/{pid}")
    assert len([m for m in again["milestones"] if m["action"] == "head_answer"]) == 1
