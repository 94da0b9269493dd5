"""결정 decision votes through the gateway, across the real services: an operator opens the vote
on an item with its budget, citizens vote yes / no online, paper ballots come in through the
offline import, and at the close (the platform clock moved 30 days) voting-svc publishes yes, no,
turnout, quorum and passed, which the item's page and timeline show. Also the event path: a rule
that opens a decision vote (decide-madrid's kind) gets the item its ballot."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from tests.support import Gateway, User, eventually

DAY_S = 24 * 3600
_RUN = os.urandom(3).hex()
ONLINE_YES = 2  # verified citizens who vote online on every item; the rest is paper


async def _when(gw: Gateway, path: str, pred: Any) -> Any:
    r = await gw.req("GET", path)
    return r.body if r.status == 200 and pred(r.body) else None


def _decided(p: dict[str, Any]) -> bool:
    return bool(p.get("decision_vote")) and p["decision_vote"]["status"] == "decided"


async def _proposal(gw: Gateway, title: str) -> str:
    author = await gw.citizen("제안자")
    body = {
        "title": title,
        "body": f"{title}: 사업비를 시민 투표로 결정합니다. (실행 {_RUN})",
        "category": "environment",
    }
    return str((await gw.ok("POST", "/api/proposals", author, body))["id"])


async def _import(gw: Gateway, op: User, did: str, yes: int, no: int) -> None:
    """Paper ballots of distinct citizens (keys as the identity provider gives them)."""
    lines = [f"dv-{_RUN}-{i:06d},yes" for i in range(yes)] + [f"dv-{_RUN}-{yes + i:06d},no" for i in range(no)]
    csv = ("citizen_key,choice\n" + "\n".join(lines) + "\n").encode()
    headers = {"Authorization": f"Bearer {op.token}", "Content-Type": "text/csv; charset=utf-8"}
    url = f"{gw.base}/api/items/{did}/offline-ballots"
    async with gw.s.post(url, data=csv, headers=headers, timeout=aiohttp.ClientTimeout(total=600)) as r:
        report = await r.json(content_type=None)
        assert r.status == 201, report
    assert (report["accepted"], report["rejected"]) == (yes + no, 0), report


async def test_budget_quorum_majority_and_turnout_decide_at_the_close(gw: Gateway) -> None:
    op = await gw.staff("operator")
    citizen = await gw.citizen()
    online = [await gw.citizen() for _ in range(ONLINE_YES)]
    cases = {  # title: (yes, no) in all, of which ONLINE_YES yes votes are cast online
        "하천 정화 사업 (과반 찬성)": (5_001, 4_999),
        "공원 조명 사업 (찬반 동수)": (5_000, 5_000),
        "자전거 도로 사업 (정족수 미달)": (9_999, 0),
    }
    pids = {t: await _proposal(gw, t) for t in cases}
    budget = {"budget_krw": 1_000_000_000}

    # Only staff of the item's agency open a decision vote.
    some = next(iter(pids.values()))
    r = await gw.req("POST", f"/api/items/{some}/decision-vote", citizen, budget)
    assert r.status == 403, r.body
    now = datetime.fromisoformat((await gw.advance_clock(0))["now"])
    short = {**budget, "closes_at": (now + timedelta(days=1)).isoformat()}
    r = await gw.req("POST", f"/api/items/{some}/decision-vote", op, short)
    assert (r.status, r.body["error"]["code"]) == (422, "decision_period_too_short")

    ballots: dict[str, dict[str, Any]] = {}
    for title, pid in pids.items():
        b = await gw.ok("POST", f"/api/items/{pid}/decision-vote", op, budget)
        assert (b["kind"], b["quorum"], b["budget_krw"], b["source_item_id"]) == ("decision", 10_000, 10**9, pid)
        ballots[title] = b
    # Asking again is the same ballot; citizens see it like any other.
    again = await gw.req("POST", f"/api/items/{some}/decision-vote", op, budget)
    assert (again.status, again.body["item_id"]) == (200, f"{some}-decision")
    seen = await gw.ok("GET", f"/api/items/{some}-decision/ballot")
    assert [o["id"] for o in seen["options"]] == ["yes", "no"]

    for title, (yes, no) in cases.items():
        did = ballots[title]["item_id"]
        for u in online:  # one vote per verified citizen, through the ballots' vote route
            await gw.ok("POST", f"/api/items/{did}/votes", u, {"choices": ["yes"]})
        twice = await gw.req("POST", f"/api/items/{did}/votes", online[0], {"choices": ["no"]})
        assert (twice.status, twice.body["error"]["code"]) == (409, "already_voted")
        await _import(gw, op, did, yes - ONLINE_YES, no)
    for title, (yes, no) in cases.items():
        did = ballots[title]["item_id"]
        tally = await eventually(
            lambda did=did, n=yes + no: _when(gw, f"/api/items/{did}/tally", lambda t: t["total"] == n),
            timeout=120,
            what="votes in the ledger",
        )
        assert tally["decision"]["quorum"] == 10_000

    # The item's page and timeline show the open vote.
    pid = pids["하천 정화 사업 (과반 찬성)"]
    item = await eventually(
        lambda: _when(gw, f"/api/proposals/{pid}", lambda p: p.get("decision_vote")), what="vote on the item"
    )
    v = item["decision_vote"]
    assert (v["status"], v["quorum"], v["budget_krw"], v["item_id"]) == ("open", 10_000, 10**9, f"{pid}-decision")
    opened = [
        e
        for e in (await gw.ok("GET", f"/api/proposals/{pid}/timeline"))["items"]
        if e["kind"] == "decision.vote_opened"
    ]
    assert len(opened) == 1, opened
    assert "의결 정족수 10,000명" in opened[0]["summary"]

    # 30 days later the vote closes on the platform clock and the result is published.
    await gw.advance_clock(30 * DAY_S + 3600)
    expected = {
        "하천 정화 사업 (과반 찬성)": (5_001, 4_999, 10_000, True),
        "공원 조명 사업 (찬반 동수)": (5_000, 5_000, 10_000, False),
        "자전거 도로 사업 (정족수 미달)": (9_999, 0, 9_999, False),
    }
    for title, (yes, no, turnout, passed) in expected.items():
        pid = pids[title]
        item = await eventually(
            lambda pid=pid: _when(gw, f"/api/proposals/{pid}", _decided),
            timeout=120,
            what=f"decision result on {title}",
        )
        d = item["decision_vote"]
        assert (d["yes"], d["no"], d["turnout"], d["quorum"], d["passed"]) == (yes, no, turnout, 10_000, passed)
        assert (d["item_id"], d["status"]) == (f"{pid}-decision", "decided")
        assert d["opens_at"] is not None  # what the opening recorded stays
        timeline = (await gw.ok("GET", f"/api/proposals/{pid}/timeline"))["items"]
        [entry] = [e for e in timeline if e["kind"] == "decision.vote_decided"]
        assert entry["data"]["passed"] is passed
        assert ("가결" if passed else "부결") in entry["summary"]
    late = await gw.req("POST", f"/api/items/{some}-decision/votes", citizen, {"choices": ["yes"]})
    assert (late.status, late.body["error"]["code"]) == (409, "voting_closed")


async def test_quorum_is_clamped_to_1000_and_100000(gw: Gateway) -> None:
    op = await gw.staff("operator")
    for budget, quorum in [
        (0, 1_000),
        (50_000_000, 1_000),  # 500 voters' worth: clamped up to 0.01 % of Seoul
        (100_000_001, 1_001),  # a started 100,000 KRW needs a voter
        (10_000_000_000, 100_000),
        (50_000_000_000_000, 100_000),  # clamped down to 1 % of Seoul
    ]:
        pid = await _proposal(gw, f"예산 {budget:,}원 사업")
        b = await gw.ok("POST", f"/api/items/{pid}/decision-vote", op, {"budget_krw": budget})
        assert b["quorum"] == quorum, (budget, b)
        tally = await eventually(lambda did=b["item_id"]: _when(gw, f"/api/items/{did}/tally", lambda t: True))
        assert tally["decision"]["quorum"] == quorum


async def test_an_open_decision_vote_rule_opens_the_ballot_from_events(gw: Gateway) -> None:
    """decide-madrid's kind of rule (N supports → citizen vote, one week, no budget quorum), with a
    threshold of 2 and a small quorum so the test stays small: the rule fires in proposal-svc,
    `decision.vote_requested` reaches voting-svc, citizens vote, the result is on the timeline."""
    op = await gw.staff("operator")
    mine = {
        "name": "시험용 주민 결정 규칙",
        "rules": [
            {
                "id": "citizen-vote",
                "metric": "supports",
                "threshold": 2,
                "window_days": 90,
                "action": "open_decision_vote",
                "due_days": 90,
                "label": "공감 2개: 주민 투표",
            }
        ],
        "decision_vote": {"open_days": 7, "pass_ratio": 0.5, "quorum_min": 3},
    }
    author = await gw.citizen("제안자")
    try:
        await gw.ok("PUT", "/api/agencies/seoul/ruleset", op, mine)
        body = {
            "title": "마을버스 노선을 주민 투표로",
            "body": f"주민 결정 시험 (실행 {_RUN})",
            "category": "transport",
        }
        pid = str((await gw.ok("POST", "/api/proposals", author, body))["id"])
    finally:
        await gw.ok("PUT", "/api/agencies/seoul/ruleset", op, {"preset": "democracy-seoul-2019"})
    await eventually(lambda: _when(gw, f"/api/proposals/{pid}/tally", lambda t: True), what="support ballot")
    people = [await gw.citizen() for _ in range(3)]
    for u in people[:2]:
        await gw.ok("POST", f"/api/proposals/{pid}/support", u)

    did = f"{pid}-decision"
    ballot = await eventually(lambda: _when(gw, f"/api/items/{did}/ballot", lambda b: True), what="decision ballot")
    assert (ballot["kind"], ballot["quorum"], ballot["source_item_id"]) == ("decision", 3, pid)
    opened = datetime.fromisoformat(ballot["opens_at"])
    assert datetime.fromisoformat(ballot["closes_at"]) - opened == timedelta(days=7)
    await asyncio.gather(
        *(
            gw.ok("POST", f"/api/items/{did}/votes", u, {"choices": [c]})
            for u, c in zip(people, ["yes", "yes", "no"], strict=True)
        )
    )
    await eventually(lambda: _when(gw, f"/api/items/{did}/tally", lambda t: t["total"] == 3), what="3 votes counted")

    await gw.advance_clock(7 * DAY_S + 3600)
    item = await eventually(lambda: _when(gw, f"/api/proposals/{pid}", _decided), timeout=120, what="result")
    d = item["decision_vote"]
    assert (d["yes"], d["no"], d["turnout"], d["quorum"], d["passed"]) == (2, 1, 3, 3, True)
