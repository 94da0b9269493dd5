"""The first civic loop, end to end across five processes over real Kafka, driven only through
the gateway: propose → 50 supports → milestone → department review → approval → notifications,
with the public timeline showing every step."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from tests.support import Gateway, eventually

PROPOSAL = {
    "title": "지하철역 엘리베이터 고장 정보를 실시간으로 알려주세요",
    "body": "휠체어 이용자와 어르신이 역에 도착해서야 엘리베이터 고장을 압니다. 고장 정보를 앱과 역 안내판에 "
    "실시간으로 알려주세요.",
    "category": "welfare",
    "district": "mapo",
    "hashtags": ["배리어프리", "지하철"],
}


async def test_first_civic_loop(gw: Gateway) -> None:
    author = await gw.citizen("제안자")
    created = await gw.ok("POST", "/api/proposals", author, PROPOSAL)
    pid = created["id"]

    supporters = await asyncio.gather(*(gw.citizen() for _ in range(50)))
    await eventually(lambda: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open in voting-svc")

    results = await asyncio.gather(*(gw.req("POST", f"/api/proposals/{pid}/support", s) for s in supporters))
    assert [r.status for r in results] == [201] * 50, [r.body for r in results if r.status != 201]

    # A second support by the same citizen is refused and not counted.
    again = await gw.req("POST", f"/api/proposals/{pid}/support", supporters[0])
    assert again.status == 409
    assert again.body["error"]["code"] == "already_voted"

    # The rules engine (democracy-seoul-2019: 50 supports → department answer) fires once.
    prop = await eventually(
        lambda: _when(gw, f"/api/proposals/{pid}", lambda p: p["support_count"] == 50 and p.get("milestones")),
        what="milestone recorded",
    )
    assert len(prop["milestones"]) == 1
    assert prop["support_count"] == 50

    # review-svc opened a case for the department mapped to 복지 (welfare), due in 20 days.
    cases = await eventually(lambda: _when(gw, f"/api/proposals/{pid}/cases", _non_empty), what="review case")
    case_list = cases if isinstance(cases, list) else cases["items"]
    assert len(case_list) == 1
    case = case_list[0]
    assert case["department_id"] == "dept-welfare"
    opened = datetime.fromisoformat(case["opened_at"])
    due = datetime.fromisoformat(case["due_at"])
    assert abs((due - opened) - timedelta(days=20)) < timedelta(seconds=5)
    case_id = case["id"]

    other_officer = await gw.staff("officer", "dept-transport")
    officer = await gw.staff("officer", "dept-welfare")
    operator = await gw.staff("operator")
    answer_path = f"/api/review/cases/{case_id}/answer"

    wrong = await gw.req("POST", answer_path, other_officer, {"decision": "reject", "answer": "불가", "reason": "x"})
    assert wrong.status == 403
    by_citizen = await gw.req("POST", answer_path, author, {"decision": "accept", "answer": "좋아요"})
    assert by_citizen.status == 403
    no_reason = await gw.req("POST", answer_path, officer, {"decision": "reject", "answer": "검토 결과 어렵습니다."})
    assert no_reason.status == 422
    assert no_reason.body["error"]["code"] == "reason_required"
    answered = await gw.req(
        "POST",
        answer_path,
        officer,
        {
            "decision": "reject",
            "answer": "검토 결과 어렵습니다.",
            "reason": "이미 교통공사 앱에서 같은 정보를 제공하고 있습니다.",
        },
    )
    assert answered.status == 200, answered.body

    welfare_before = await _welfare_stats(gw)
    assert welfare_before["cases"] >= 1
    assert welfare_before["open_now"] >= 1

    # Not public until an operator approves it.
    public = await gw.ok("GET", f"/api/proposals/{pid}/cases")
    pub_case = (public if isinstance(public, list) else public["items"])[0]
    assert not pub_case.get("answer")
    assert (await gw.req("POST", f"/api/review/cases/{case_id}/approve", officer)).status == 403
    await gw.ok("POST", f"/api/review/cases/{case_id}/approve", operator)
    public = await gw.ok("GET", f"/api/proposals/{pid}/cases")
    pub_case = (public if isinstance(public, list) else public["items"])[0]
    assert pub_case["decision"] == "reject"
    assert "교통공사" in pub_case["reason"]

    # Departments accountable in public: the answer counts for 복지 (on time: the same day).
    welfare = await _welfare_stats(gw)
    assert welfare["answered"] == welfare_before["answered"] + 1
    assert welfare["answered_on_time"] == welfare_before["answered_on_time"] + 1
    assert welfare["open_now"] == welfare_before["open_now"] - 1
    assert welfare["median_days_to_answer"] is not None
    page = await gw.s.get(f"{gw.base}/departments")
    html = await page.text()
    assert page.status == 200
    assert "부서별 답변 현황" in html
    assert welfare["department_name"] in html

    # notify-svc: the author and every supporter have the answer in their inbox.
    for user in [author, *supporters]:
        inbox = await eventually(
            lambda u=user: _when(gw, "/api/inbox", lambda b: _kinds(b, pid) >= {"review.answer_published"}, u),
            what=f"inbox of {user.email}",
        )
        assert "proposal.milestone_reached" in _kinds(inbox, pid)

    # The public timeline shows every step with its time and the actor's role.
    timeline = await eventually(
        lambda: _when(gw, f"/api/proposals/{pid}/timeline", lambda t: len(t["items"]) >= 5),
        what="timeline complete",
    )
    kinds = [(e["kind"], e["actor_role"]) for e in timeline["items"]]
    assert kinds[0] == ("proposal.submitted", "citizen")
    expected = {
        ("proposal.milestone_reached", "system"),
        ("review.case_opened", "system"),
        ("review.answer_submitted", "officer"),
        ("review.answer_published", "operator"),
    }
    assert expected <= set(kinds), kinds
    assert sum(1 for k, _ in kinds if k == "proposal.milestone_reached") == 1
    times = [datetime.fromisoformat(e["at"]) for e in timeline["items"]]
    assert times == sorted(times)


async def test_same_person_with_two_accounts_votes_once(gw: Gateway) -> None:
    author = await gw.citizen()
    pid = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": "한 사람 한 표를 확인하는 제안입니다"}))[
        "id"
    ]
    person = ("홍길동", "1980-05-05", "010-1234-5678")
    first = await gw.citizen(identity=person)
    second = await gw.citizen(identity=person)
    await eventually(lambda: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open")
    assert (await gw.req("POST", f"/api/proposals/{pid}/support", first)).status == 201
    dup = await gw.req("POST", f"/api/proposals/{pid}/support", second)
    assert dup.status == 409
    tally = await eventually(lambda: _when(gw, f"/api/proposals/{pid}/tally", lambda t: t["total"] >= 1), what="tally")
    assert tally["total"] == 1


async def test_unverified_and_anonymous_cannot_support(gw: Gateway) -> None:
    author = await gw.citizen()
    pid = (await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": "인증하지 않은 시민의 공감 시험"}))["id"]
    await eventually(lambda: _status(gw, f"/api/proposals/{pid}/tally", 200), what="ballot open")
    assert (await gw.req("POST", f"/api/proposals/{pid}/support")).status == 401
    await gw.ok(
        "POST",
        "/api/auth/register",
        json={"email": "unverified@test.local", "password": "password-123", "display_name": "미인증"},
    )
    unverified = await gw.login("unverified@test.local", "password-123")
    r = await gw.req("POST", f"/api/proposals/{pid}/support", unverified)
    assert r.status == 403
    assert r.body["error"]["code"]


async def _status(gw: Gateway, path: str, status: int) -> bool:
    return (await gw.req("GET", path)).status == status


async def _when(gw: Gateway, path: str, pred: Any, user: Any = None) -> Any:
    r = await gw.req("GET", path, user)
    if r.status == 200 and pred(r.body):
        return r.body
    return None


def _non_empty(body: Any) -> bool:
    items = body if isinstance(body, list) else body.get("items", [])
    return len(items) > 0


def _kinds(inbox: Any, pid: str) -> set[str]:
    return {n["kind"] for n in inbox["items"] if n["item_id"] == pid}


async def _welfare_stats(gw: Gateway) -> dict[str, Any]:
    stats = await gw.ok("GET", "/api/agencies/seoul/department-stats")
    (row,) = [r for r in stats["items"] if r["department_id"] == "dept-welfare"]
    assert isinstance(row, dict)
    return row
