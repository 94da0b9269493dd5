"""The whole civic loop through the gateway, across the five services over real Kafka: a proposal
from its 50th support through the department's review, the committee (제안실현위원회: scores,
selection, the execution plan, the executing department's 적정 within 10 days), a passing decision
vote and execution (budget, milestones, a report with an attachment) to completion, moving the
platform clock across processes. Every step is on the public timeline, the right people are told
at each step, and nobody acts outside their role, department or agency."""

from __future__ import annotations

import asyncio
import base64
import os
import re
from datetime import datetime
from functools import partial
from typing import Any

import aiohttp

from tests.support import Gateway, User, eventually

DAY_S = 24 * 3600
_RUN = os.urandom(3).hex()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROPOSAL = {
    "title": f"버스정류장 온열의자를 모든 정류장에 설치해 주세요 ({_RUN})",
    "body": "겨울철 버스를 기다리는 어르신과 아이들을 위해 정류장에 온열의자를 설치해 주세요. 전기요금은 "
    "태양광으로 충당할 수 있습니다.",
    "category": "welfare",
}
FULL_MARKS = {"necessity": 5, "changeability": 4, "feasibility": 4, "impact": 5}  # 18 of 20


async def _when(gw: Gateway, path: str, pred: Any, user: User | None = None) -> Any:
    r = await gw.req("GET", path, user)
    return r.body if r.status == 200 and pred(r.body) else None


def _any(body: Any) -> bool:
    return True


def _has_items(body: Any) -> bool:
    return len(body if isinstance(body, list) else body.get("items", [])) > 0


def _kinds(inbox: Any, pid: str) -> set[str]:
    return {n["kind"] for n in inbox["items"] if n["item_id"] == pid}


async def _told(gw: Gateway, user: User, pid: str, kind: str) -> None:
    await eventually(
        lambda: _when(gw, "/api/inbox?limit=200", lambda b: kind in _kinds(b, pid), user),
        timeout=60,
        what=f"{kind} in the inbox of {user.email}",
    )


async def _timeline_has(gw: Gateway, pid: str, kind: str, count: int = 1) -> list[dict[str, Any]]:
    body = await eventually(
        lambda: _when(
            gw,
            f"/api/proposals/{pid}/timeline",
            lambda t: sum(e["kind"] == kind for e in t["items"]) >= count,
        ),
        timeout=60,
        what=f"{kind} on the timeline",
    )
    return [e for e in body["items"] if e["kind"] == kind]


async def _refused(gw: Gateway, method: str, path: str, user: User | None, body: Any, status: int) -> None:
    r = await gw.req(method, path, user, body)
    assert r.status == status, (method, path, r.status, r.body)
    assert r.body["error"]["code"], r.body


async def test_from_the_50th_support_to_completion(gw: Gateway) -> None:
    author = await gw.citizen("제안자")
    pid = (await gw.ok("POST", "/api/proposals", author, PROPOSAL))["id"]
    supporters = await asyncio.gather(*(gw.citizen() for _ in range(50)))
    await eventually(lambda: _when(gw, f"/api/proposals/{pid}/tally", lambda t: True), what="support ballot")
    results = await asyncio.gather(*(gw.req("POST", f"/api/proposals/{pid}/support", s) for s in supporters))
    assert [r.status for r in results] == [201] * 50

    # 50 supports → department review (democracy-seoul-2019), answered 수용 and approved.
    cases = await eventually(
        lambda: _when(gw, f"/api/proposals/{pid}/cases", lambda b: len(b.get("items", b)) > 0),
        what="review case",
    )
    case_id = (cases if isinstance(cases, list) else cases["items"])[0]["id"]
    welfare = await gw.staff("officer", "dept-welfare")
    transport = await gw.staff("officer", "dept-transport")
    operator = await gw.staff("operator")
    members = [await gw.staff("committee") for _ in range(3)]
    citizen = supporters[0]
    accept = {"decision": "accept", "answer": "정류장 온열의자를 단계적으로 설치하겠습니다."}
    await gw.ok("POST", f"/api/review/cases/{case_id}/answer", welfare, accept)
    # Only a published answer goes to the committee.
    await _refused(gw, "POST", f"/api/review/cases/{case_id}/committee", operator, None, 409)
    await gw.ok("POST", f"/api/review/cases/{case_id}/approve", operator)

    # 이슈 등록: an operator flags it; citizens and officers cannot.
    flag = f"/api/review/cases/{case_id}/committee"
    await _refused(gw, "POST", flag, None, None, 401)
    await _refused(gw, "POST", flag, citizen, None, 403)
    await _refused(gw, "POST", flag, welfare, None, 403)
    agenda = await gw.ok("POST", flag, operator)
    again = await gw.ok("POST", flag, operator)
    assert again["id"] == agenda["id"]
    assert (agenda["status"], agenda["item_id"], agenda["department_id"]) == ("scoring", pid, "dept-welfare")
    aid = agenda["id"]
    await _timeline_has(gw, pid, "committee.agenda_opened")
    await _told(gw, author, pid, "committee.agenda_opened")
    await _told(gw, members[0], pid, "committee.agenda_opened")  # members: a new item to score

    # 1차 심의: members score; nobody else does.
    scores = f"/api/committee/agendas/{aid}/scores"
    for who in (citizen, welfare, operator):
        await _refused(gw, "POST", scores, who, {"scores": FULL_MARKS}, 403)
    await _refused(gw, "POST", scores, members[0], {"scores": {**FULL_MARKS, "impact": 6}}, 422)
    await _refused(gw, "POST", scores, members[0], {"scores": {"necessity": 5}}, 422)
    await gw.ok("POST", scores, members[0], {"scores": {**FULL_MARKS, "impact": 1}, "comment": "초안"})
    await gw.ok("POST", scores, members[0], {"scores": FULL_MARKS, "comment": "시민 수요가 분명함"})  # revised
    await gw.ok("POST", scores, members[1], {"scores": FULL_MARKS})
    mine = await gw.ok("POST", scores, members[2], {"scores": {**FULL_MARKS, "feasibility": 1}})
    assert (mine["scorers"], mine["average_score"], mine["my_sheet"]["total"]) == (3, 17.0, 15)
    public = await gw.ok("GET", f"/api/items/{pid}/committee")
    assert public["criteria"]["necessity"] == {"label": "당위성", "average": 5.0}
    assert "my_sheet" not in public
    assert "flagged_by" not in public

    # Selection by aggregate score (operators only).
    rule = {"top_n": 20, "min_average": 12, "min_scorers": 3}
    await _refused(gw, "POST", "/api/committee/selection", members[0], rule, 403)
    selection = await gw.ok("POST", "/api/committee/selection", operator, rule)
    [ours] = [i for i in selection["items"] if i["item_id"] == pid]
    assert (ours["selected"], ours["status"]) == (True, "planning")
    await _refused(gw, "POST", scores, members[0], {"scores": FULL_MARKS}, 409)  # the round is closed
    await _told(gw, author, pid, "committee.selection_decided")

    # 2차 심의: the plan names 도시교통실 to execute it, on the department's own budget.
    plan: dict[str, Any] = {
        "direction": "버스정류장 온열의자 확대 설치",
        "detail": "2020년 상반기 시내 500개 정류장, 하반기 1,000개 정류장에 설치",
        "budget_krw": 100_000_000,
        "budget_track": "own_budget",
        "department_id": "dept-transport",
    }
    plan_path = f"/api/committee/agendas/{aid}/plan"
    await _refused(gw, "POST", plan_path, welfare, plan, 403)
    await _refused(gw, "POST", plan_path, members[0], {**plan, "budget_krw": 0}, 422)
    planned = await gw.ok("POST", plan_path, members[0], plan)
    assert (planned["status"], planned["plan"]["department_name"]) == ("awaiting_verdict", "도시교통실")
    due = datetime.fromisoformat(planned["verdict_due_at"])
    await _told(gw, transport, pid, "committee.plan_submitted")  # the executing department: 10 days

    # 3차 심의, three days later: the answering department cannot judge; 수정 sends it back.
    await gw.advance_clock(3 * DAY_S)
    verdict = f"/api/committee/agendas/{aid}/verdict"
    await _refused(gw, "POST", verdict, welfare, {"verdict": "fit"}, 403)
    await _refused(gw, "POST", verdict, members[0], {"verdict": "fit"}, 403)
    await _refused(gw, "POST", verdict, transport, {"verdict": "revise"}, 422)  # a reason is required
    revised = await gw.ok("POST", verdict, transport, {"verdict": "revise", "reason": "설치 장소 목록 보완"})
    assert revised["status"] == "planning"
    await _told(gw, author, pid, "committee.verdict_given")
    plan["detail"] += " (설치 장소 목록 첨부)"
    planned = await gw.ok("POST", plan_path, operator, plan)
    assert (planned["plan"]["revision"], planned["status"]) == (2, "awaiting_verdict")
    assert datetime.fromisoformat(planned["verdict_due_at"]) > due  # 10 days from the new plan
    fit = await gw.ok("POST", verdict, transport, {"verdict": "fit"})
    assert (fit["status"], fit["verdict"], fit["verdict_overdue"]) == ("voting", "fit", False)

    # 적정 → the decision vote opens from the event, its quorum from the plan's budget.
    did = f"{pid}-decision"
    ballot = await eventually(lambda: _when(gw, f"/api/items/{did}/ballot", lambda b: True), what="decision ballot")
    assert (ballot["kind"], ballot["quorum"], ballot["budget_krw"]) == ("decision", 1_000, 100_000_000)
    await _timeline_has(gw, pid, "decision.vote_opened")
    for u in supporters[:3]:
        await gw.ok("POST", f"/api/items/{did}/votes", u, {"choices": ["yes"]})
    lines = [f"loop-{_RUN}-{i:05d},{'yes' if i < 600 else 'no'}" for i in range(1_000)]
    headers = {"Authorization": f"Bearer {operator.token}", "Content-Type": "text/csv; charset=utf-8"}
    csv = ("citizen_key,choice\n" + "\n".join(lines) + "\n").encode()
    async with gw.s.post(f"{gw.base}/api/items/{did}/offline-ballots", data=csv, headers=headers) as r:
        assert r.status == 201, await r.text()
    await eventually(
        lambda: _when(gw, f"/api/items/{did}/tally", lambda t: t["total"] == 1_003), timeout=120, what="votes"
    )
    await gw.advance_clock(30 * DAY_S + 3600)  # the vote closes; 603 of 1,003 said yes
    item = await eventually(
        lambda: _when(gw, f"/api/proposals/{pid}", lambda p: (p.get("decision_vote") or {}).get("passed")),
        timeout=120,
        what="decision passed",
    )
    assert (item["decision_vote"]["yes"], item["decision_vote"]["turnout"]) == (603, 1_003)

    # Execution opens: a budget item secures its budget first; only 도시교통실 acts on it.
    execution = await eventually(
        lambda: _when(gw, f"/api/items/{pid}/execution", lambda e: e["status"] == "budgeting"),
        timeout=60,
        what="execution opened",
    )
    assert (execution["department_id"], execution["budget_track"]) == ("dept-transport", "own_budget")
    await _told(gw, citizen, pid, "execution.started")  # supporters hear the vote became work
    budget = f"/api/items/{pid}/execution/budget"
    await _refused(gw, "POST", budget, welfare, {"source": "x"}, 403)
    await _refused(gw, "POST", budget, operator, {"source": "x"}, 403)
    await gw.ok("POST", budget, transport, {"source": "2020년 도시교통실 자체예산"})
    milestones = f"/api/items/{pid}/execution/milestones"
    await gw.ok("POST", milestones, transport, {"title": "1차 설치 (500곳)", "progress_pct": 40})
    await _refused(gw, "POST", milestones, transport, {"title": "뒤로", "progress_pct": 30}, 422)
    await _refused(gw, "POST", milestones, citizen, {"title": "시민", "progress_pct": 50}, 403)
    await _told(gw, author, pid, "execution.progressed")

    report = f"/api/items/{pid}/execution/reports"
    script = {"filename": "report.pdf", "data_base64": base64.b64encode(b"<script>alert(1)</script>").decode()}
    bad = await gw.req("POST", report, transport, {"title": "중간 보고", "body": "x", "attachments": [script]})
    assert (bad.status, bad.body["error"]["code"]) == (422, "attachment_type")
    good = {"filename": "../중간 보고서.pdf", "data_base64": base64.b64encode(PDF).decode()}
    reported = await gw.ok(
        "POST", report, transport, {"title": "중간 보고", "body": "500곳 설치 완료", "attachments": [good]}
    )
    [attachment] = reported["reports"][0]["attachments"]
    assert (attachment["filename"], attachment["media_type"], attachment["size"]) == (
        "중간 보고서.pdf",
        "application/pdf",
        len(PDF),
    )
    async with gw.s.get(f"{gw.base}{attachment['url']}") as f:
        assert f.status == 200
        assert f.headers["Content-Type"].startswith("application/pdf")
        assert f.headers["Content-Disposition"].startswith("attachment;")
        assert f.headers["X-Content-Type-Options"] == "nosniff"
        assert await f.read() == PDF

    # Completion with the final report, a month later.
    await gw.advance_clock(30 * DAY_S)
    done = await gw.ok(
        "POST",
        f"/api/items/{pid}/execution/complete",
        transport,
        {"title": "실행 결과서", "body": "1,500개 정류장에 온열의자 설치를 마쳤습니다."},
    )
    assert (done["status"], done["progress_pct"]) == ("completed", 100)
    await _refused(gw, "POST", milestones, transport, {"title": "끝난 뒤", "progress_pct": 100}, 409)
    for who in (author, citizen, supporters[-1]):
        await _told(gw, who, pid, "execution.completed")
    completed = await gw.ok("GET", "/api/executions?status=completed&limit=200")
    assert pid in {e["item_id"] for e in completed["items"]}

    # Every step on the public timeline, in order of time, with the acting role.
    await _timeline_has(gw, pid, "execution.completed")
    timeline = (await gw.ok("GET", f"/api/proposals/{pid}/timeline"))["items"]
    kinds = [e["kind"] for e in timeline]
    for step in (
        "proposal.submitted",
        "proposal.milestone_reached",
        "review.case_opened",
        "review.answer_published",
        "committee.agenda_opened",
        "committee.selection_decided",
        "committee.plan_submitted",
        "committee.verdict_given",
        "decision.vote_opened",
        "decision.vote_decided",
        "execution.started",
        "execution.progressed",
        "execution.report_published",
        "execution.completed",
    ):
        assert step in kinds, (step, kinds)
    assert kinds.count("committee.plan_submitted") == 2
    assert kinds.count("committee.verdict_given") == 2  # 수정, then 적정
    assert kinds.count("execution.started") == 2  # budgeting, then under way
    verdicts = [e["summary"] for e in timeline if e["kind"] == "committee.verdict_given"]
    assert "수정" in verdicts[0]
    assert "적정" in verdicts[1]
    times = [datetime.fromisoformat(e["at"]) for e in timeline]
    assert times == sorted(times), [(e["kind"], e["at"]) for e in timeline]
    page = await gw.ok("GET", f"/api/proposals/{pid}")
    assert page["civic"]["stage"] == "executed"
    assert page["civic"]["progress_pct"] == 100

    # The site: the item's page, 결정 and 실행, and the home counters count what was carried out.
    html = await _html(gw, f"/proposals/{pid}")
    for text in ("제안실현위원회", "실행부서 검토 결과: <strong>적정</strong>", "가결", "실행 완료", "실행 결과서"):
        assert text in html, text
    assert attachment["url"] in html
    decided = await _html(gw, "/decisions?status=executing")
    assert PROPOSAL["title"] in decided
    assert PROPOSAL["title"] in await _html(gw, "/executions?status=completed")
    home = await eventually(
        lambda: _page_when(gw, "/", lambda h: "실행 완료" in h and _counter(h, "실행 완료") >= 1),
        what="home counters with executed items",
    )
    assert _counter(home, "실행 결정") >= 1


async def _html(gw: Gateway, path: str) -> str:
    async with gw.s.get(f"{gw.base}{path}") as r:
        assert r.status == 200, path
        return await r.text()


async def _page_when(gw: Gateway, path: str, pred: Any) -> str | None:
    html = await _html(gw, path)
    return html if pred(html) else None


def _counter(html: str, label: str) -> int:
    """The number in the home counter whose label is `label`."""
    match = re.search(r"<strong>([\d,]+)</strong><a [^>]*>" + re.escape(label) + "<", html)
    return int(match.group(1).replace(",", "")) if match else -1


async def test_discarded_plans_close_with_their_reason_and_non_budget_items_start_at_once(gw: Gateway) -> None:
    """Two shorter ways through the committee, with a lower threshold so they stay small: 폐기
    closes the item in public with its reason; a non-budget plan that passes starts at once. And
    the committee of another agency cannot touch this one's agenda."""
    operator = await gw.staff("operator")
    welfare = await gw.staff("officer", "dept-welfare")
    member = await gw.staff("committee")
    rules = {
        "name": "위원회 시험 규칙",
        "rules": [{"id": "answer", "metric": "supports", "threshold": 1, "action": "department_answer"}],
    }
    author = await gw.citizen("제안자")
    pids: list[str] = []
    try:
        await gw.ok("PUT", "/api/agencies/seoul/ruleset", operator, rules)
        for title in ("폐기될 제안", "비예산 제안"):
            body = {**PROPOSAL, "title": f"{title} {_RUN}"}
            pids.append((await gw.ok("POST", "/api/proposals", author, body))["id"])
    finally:
        await gw.ok("PUT", "/api/agencies/seoul/ruleset", operator, {"preset": "democracy-seoul-2019"})
    supporter = await gw.citizen()
    agendas: list[str] = []
    for pid in pids:
        await eventually(partial(_when, gw, f"/api/proposals/{pid}/tally", _any), what="ballot")
        await gw.ok("POST", f"/api/proposals/{pid}/support", supporter)
        cases = await eventually(
            partial(_when, gw, f"/api/proposals/{pid}/cases", _has_items),
            what="case",
        )
        case_id = (cases if isinstance(cases, list) else cases["items"])[0]["id"]
        await gw.ok("POST", f"/api/review/cases/{case_id}/answer", welfare, {"decision": "accept", "answer": "수용"})
        await gw.ok("POST", f"/api/review/cases/{case_id}/approve", operator)
        agenda = await gw.ok("POST", f"/api/review/cases/{case_id}/committee", operator)
        agendas.append(agenda["id"])

    # Another agency's committee member and operator: this agency's agenda is not theirs.
    other = f"cm-{_RUN}"
    admin = await gw.admin()
    await gw.ok("POST", "/api/agencies", admin, {"id": other, "name_ko": "다른 기관", "name_en": "Other"})
    email = f"cm-{_RUN}@test.local"
    staff = {"email": email, "password": "test-password-1234", "display_name": "타 기관 위원"}
    await gw.ok("POST", "/api/admin/accounts", admin, {**staff, "role": "committee", "agency": other})
    foreign = await gw.login(email, "test-password-1234")
    await _refused(gw, "POST", f"/api/committee/agendas/{agendas[0]}/scores", foreign, {"scores": FULL_MARKS}, 404)
    await _refused(gw, "GET", f"/api/committee/agendas/{agendas[0]}", foreign, None, 404)

    for aid in agendas:
        await gw.ok("POST", f"/api/committee/agendas/{aid}/scores", member, {"scores": FULL_MARKS})
    selection = await gw.ok("POST", "/api/committee/selection", operator, {"top_n": 50, "min_average": 1})
    assert {i["id"] for i in selection["items"] if i["selected"]} >= set(agendas)
    plan = {"direction": "안내 강화", "detail": "안내문 게시", "budget_krw": 0, "budget_track": "non_budget"}
    for aid in agendas:
        await gw.ok("POST", f"/api/committee/agendas/{aid}/plan", member, plan)

    discarded = await gw.ok(
        "POST", f"/api/committee/agendas/{agendas[0]}/verdict", welfare, {"verdict": "discard", "reason": "법령상 불가"}
    )
    assert (discarded["status"], discarded["closed_reason"]) == ("discarded", "법령상 불가")
    [entry] = await _timeline_has(gw, pids[0], "committee.verdict_given")
    assert "폐기" in entry["summary"]
    assert "법령상 불가" in entry["summary"]
    public = await gw.ok("GET", f"/api/items/{pids[0]}/committee")
    assert (public["status"], public["verdict_reason"]) == ("discarded", "법령상 불가")

    # The other plan waits past its 10 days: escalated once to the operators and the department.
    await gw.advance_clock(11 * DAY_S)
    await _told(gw, operator, pids[1], "committee.verdict_overdue")
    await _told(gw, welfare, pids[1], "committee.verdict_overdue")
    [overdue] = await _timeline_has(gw, pids[1], "committee.verdict_overdue")
    assert "기한" in overdue["summary"]
    late = await gw.ok("GET", f"/api/items/{pids[1]}/committee")
    assert late["verdict_overdue"] is True
    await gw.ok("POST", f"/api/committee/agendas/{agendas[1]}/verdict", welfare, {"verdict": "fit"})
    [given] = await _timeline_has(gw, pids[1], "committee.verdict_given")
    assert given["data"]["late"] is True
    did = f"{pids[1]}-decision"
    ballot = await eventually(lambda: _when(gw, f"/api/items/{did}/ballot", lambda b: True), what="ballot")
    assert ballot["quorum"] == 1_000  # no budget: the lowest quorum
    lines = [f"nb-{_RUN}-{i:05d},yes" for i in range(1_000)]
    headers = {"Authorization": f"Bearer {operator.token}", "Content-Type": "text/csv; charset=utf-8"}
    csv = ("citizen_key,choice\n" + "\n".join(lines) + "\n").encode()
    timeout = aiohttp.ClientTimeout(total=300)
    async with gw.s.post(f"{gw.base}/api/items/{did}/offline-ballots", data=csv, headers=headers, timeout=timeout) as r:
        assert r.status == 201, await r.text()
    await eventually(lambda: _when(gw, f"/api/items/{did}/tally", lambda t: t["total"] == 1_000), timeout=120)
    await gw.advance_clock(30 * DAY_S + 3600)
    execution = await eventually(
        lambda: _when(gw, f"/api/items/{pids[1]}/execution", lambda e: True), timeout=120, what="execution"
    )
    assert (execution["status"], execution["budget_source"]) == ("in_progress", "비예산")  # at once
