"""The committee and execution without I/O: flagging, scoring, ranking, the plan, the verdict and
its 10 days, the vote's result, execution's budget, progress, reports and attachments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from review_svc.domain import access
from review_svc.domain.access import Caller
from review_svc.domain.cases import Decision, ReviewCase
from review_svc.domain.committee import (
    MAX_TOTAL,
    VERDICT_DAYS,
    Agenda,
    AgendaState,
    AgendaStatus,
    BudgetTrack,
    SelectionRule,
    Verdict,
    rank_agendas,
)
from review_svc.domain.execution import (
    MAX_ATTACHMENT_BYTES,
    Execution,
    ExecutionState,
    ExecutionStatus,
    Milestone,
    Report,
    check_attachment,
    safe_filename,
    sniff,
)
from review_svc.domain.seoul import SEOUL_DEPARTMENTS

T0 = datetime(2019, 10, 15, 9, 0, tzinfo=UTC)
WELFARE = next(d for d in SEOUL_DEPARTMENTS if d.id == "dept-welfare")
OFFICER = Caller("off-1", ActorRole.OFFICER, "seoul", "dept-welfare")
OPERATOR = Caller("op-1", ActorRole.OPERATOR, "seoul")
MEMBER = Caller("m-1", ActorRole.COMMITTEE, "seoul")
MEMBER2 = Caller("m-2", ActorRole.COMMITTEE, "seoul")
FULL = {"necessity": 5, "changeability": 4, "feasibility": 4, "impact": 3}  # 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PDF = b"%PDF-1.7\n" + b"x" * 32


def published_case(decision: Decision = Decision.ACCEPT, item_id: str = "p1") -> ReviewCase:
    case = ReviewCase.open(
        case_id=f"case_{item_id}",
        agency="seoul",
        item_id=item_id,
        item_title="장애인 이동권 관련 캠페인",
        category="welfare",
        rule_id="r50",
        rule_set_id="democracy-seoul-2019",
        action=RuleAction.DEPARTMENT_ANSWER,
        metric=Metric.SUPPORTS,
        threshold=50,
        reached_at=T0,
        due_days=None,
        department=WELFARE,
        now=T0,
    )
    reason = None if decision == Decision.ACCEPT else "예산 범위 내에서"
    case.submit_answer(OFFICER, decision, "추진하겠습니다", reason, T0)
    case.approve(OPERATOR, T0)
    return case


def agenda(item_id: str = "p1", at: datetime = T0) -> Agenda:
    return Agenda.flag(agenda_id=f"ag_{item_id}", case=published_case(item_id=item_id), by=OPERATOR, now=at)


def planned(track: BudgetTrack = BudgetTrack.OWN_BUDGET, budget: int = 1_000_000_000) -> Agenda:
    a = agenda()
    a.score(MEMBER, FULL, "", T0)
    a.decide_selection(OPERATOR, True, 1, T0)
    a.submit_plan(
        MEMBER,
        direction="저상버스 확대",
        detail="2020년 상반기 30대 도입",
        budget_krw=budget,
        budget_track=track,
        department_id=WELFARE.id,
        department_name=WELFARE.name,
        now=T0,
    )
    return a


def test_only_a_published_accepting_answer_goes_to_the_committee() -> None:
    assert agenda().status == AgendaStatus.SCORING
    assert Agenda.flag(agenda_id="a", case=published_case(Decision.PARTIAL), by=OPERATOR, now=T0)
    with pytest.raises(Invalid) as rejected:
        Agenda.flag(agenda_id="a", case=published_case(Decision.REJECT), by=OPERATOR, now=T0)
    assert rejected.value.code == "not_accepted"
    draft = published_case()
    draft.status = draft.status.__class__("awaiting_approval")
    with pytest.raises(AgendaState):
        Agenda.flag(agenda_id="a", case=draft, by=OPERATOR, now=T0)


def test_members_score_four_criteria_and_revise_their_own_sheet_until_selection() -> None:
    a = agenda()
    a.score(MEMBER, FULL, "필요함", T0)
    a.score(MEMBER2, {"necessity": 2, "changeability": 2, "feasibility": 2, "impact": 2}, "", T0)
    assert a.average_score == 12.0  # (16 + 8) / 2
    a.score(MEMBER2, {"necessity": 4, "changeability": 4, "feasibility": 4, "impact": 4}, "", T0)
    assert (len(a.sheets), a.average_score) == (2, 16.0)
    for bad in ({**FULL, "impact": 6}, {**FULL, "impact": 0}, {"necessity": 5}, {**FULL, "cost": 3}):
        with pytest.raises(Invalid) as e:
            a.score(MEMBER, bad, "", T0)
        assert e.value.code == "invalid_scores"
    a.decide_selection(OPERATOR, True, 1, T0)
    with pytest.raises(AgendaState):
        a.score(MEMBER, FULL, "", T0)


def test_selection_ranks_by_mean_total_with_a_threshold_and_a_cap() -> None:
    items = [agenda(f"p{i}", T0 + timedelta(minutes=i)) for i in range(4)]
    sheets = {12: (3, 3, 3, 3), 18: (5, 5, 4, 4), 9: (3, 2, 2, 2)}
    for a, total in zip(items, (12, 18, 9, 18), strict=True):
        a.score(MEMBER, dict(zip(FULL, sheets[total], strict=True)), "", T0)
    items[3].score(MEMBER2, FULL, "", T0)  # 18 and 16 → 17; more sheets do not outrank a higher mean
    ranked = rank_agendas(items, SelectionRule(top_n=2, min_average=10, min_scorers=1))
    assert [(a.item_id, rank, sel) for a, rank, sel in ranked] == [
        ("p1", 1, True),
        ("p3", 2, True),
        ("p0", 3, False),  # above the threshold, but the round takes two
        ("p2", 4, False),
    ]
    strict = rank_agendas(items, SelectionRule(top_n=5, min_average=10, min_scorers=2))
    assert [a.item_id for a, _, sel in strict if sel] == ["p3"]
    assert MAX_TOTAL == 20


def test_the_plan_needs_its_fields_and_a_budget_that_matches_its_track() -> None:
    a = agenda()
    a.score(MEMBER, FULL, "", T0)
    planned_args = {"direction": "d", "detail": "d", "budget_krw": 0, "budget_track": BudgetTrack.NON_BUDGET}
    with pytest.raises(AgendaState):  # not selected yet
        a.submit_plan(MEMBER, **planned_args, department_id="x", department_name="x", now=T0)
    a.decide_selection(OPERATOR, True, 1, T0)
    base = {"direction": "방향", "detail": "계획", "department_id": "d", "department_name": "d", "now": T0}
    for budget, track in ((5, BudgetTrack.NON_BUDGET), (0, BudgetTrack.OWN_BUDGET), (0, BudgetTrack.PARTICIPATORY)):
        with pytest.raises(Invalid) as e:
            a.submit_plan(MEMBER, budget_krw=budget, budget_track=track, **base)
        assert e.value.code == "budget_mismatch"
    with pytest.raises(Invalid):
        a.submit_plan(MEMBER, budget_krw=0, budget_track=BudgetTrack.NON_BUDGET, **{**base, "direction": "  "})
    plan = a.submit_plan(MEMBER, budget_krw=0, budget_track=BudgetTrack.NON_BUDGET, **base)
    assert (plan.revision, a.status, a.verdict_due_at) == (1, AgendaStatus.AWAITING_VERDICT, T0 + timedelta(days=10))


def test_verdicts_fit_opens_the_vote_revise_goes_back_discard_closes_with_its_reason() -> None:
    a = planned()
    with pytest.raises(Invalid):
        a.give_verdict(OFFICER, Verdict.REVISE, " ", T0)
    assert not a.give_verdict(OFFICER, Verdict.REVISE, "예산 재산정 필요", T0 + timedelta(days=3))
    assert a.status == AgendaStatus.PLANNING
    a.submit_plan(
        MEMBER,
        direction="축소",
        detail="10대",
        budget_krw=300_000_000,
        budget_track=BudgetTrack.PARTICIPATORY,
        department_id=WELFARE.id,
        department_name=WELFARE.name,
        now=T0 + timedelta(days=4),
    )
    assert a.plan is not None
    assert a.plan.revision == 2
    late = T0 + timedelta(days=4 + VERDICT_DAYS, seconds=1)
    assert a.verdict_overdue(late)
    assert a.give_verdict(OFFICER, Verdict.FIT, "", late)  # late, and recorded as such
    assert a.status == AgendaStatus.VOTING
    assert a.vote_decided(True, late, "찬성 5,001")
    assert a.status == AgendaStatus.EXECUTING
    assert not a.vote_decided(False, late, "again")  # applied once

    d = planned()
    d.give_verdict(OFFICER, Verdict.DISCARD, "법령상 불가", T0)
    assert (d.status, d.closed_reason) == (AgendaStatus.DISCARDED, "법령상 불가")
    with pytest.raises(AgendaState):
        d.give_verdict(OFFICER, Verdict.FIT, "", T0)

    failed = planned()
    failed.give_verdict(OFFICER, Verdict.FIT, "", T0)
    assert failed.vote_decided(False, T0, "찬성 5,000 / 반대 5,000")
    assert (failed.status, failed.closed_reason) == (AgendaStatus.REJECTED, "찬성 5,000 / 반대 5,000")


def test_an_unjudged_plan_escalates_once_after_its_10_days_and_a_new_plan_starts_again() -> None:
    a = planned()
    due = T0 + timedelta(days=VERDICT_DAYS)
    assert a.check_at == due
    assert not a.escalate_verdict(due)  # on the dot it is not late yet
    assert a.escalate_verdict(due + timedelta(seconds=1))
    assert a.check_at is None
    assert not a.escalate_verdict(due + timedelta(days=5))  # once
    a.give_verdict(OFFICER, Verdict.REVISE, "보완", due + timedelta(days=6))
    a.submit_plan(
        MEMBER,
        direction="d",
        detail="d",
        budget_krw=1,
        budget_track=BudgetTrack.OWN_BUDGET,
        department_id=WELFARE.id,
        department_name=WELFARE.name,
        now=due + timedelta(days=7),
    )
    assert a.check_at == due + timedelta(days=7 + VERDICT_DAYS)  # the new plan's own 10 days
    a.give_verdict(OFFICER, Verdict.FIT, "", due + timedelta(days=8))
    assert a.check_at is None


def test_who_may_do_committee_work() -> None:
    access.require_committee(MEMBER, "seoul")
    for caller in (OPERATOR, OFFICER, Caller("c", ActorRole.CITIZEN, "seoul")):
        with pytest.raises(Forbidden):
            access.require_committee(caller, "seoul")
    with pytest.raises(NotFound):  # another agency's committee: its agenda is not there for them
        access.require_committee(Caller("m", ActorRole.COMMITTEE, "busan"), "seoul")
    access.require_committee_or_operator(OPERATOR, "seoul")
    access.require_committee_or_operator(MEMBER, "seoul")
    with pytest.raises(Forbidden):
        access.require_committee_or_operator(OFFICER, "seoul")
    with pytest.raises(NotFound):
        access.require_committee_or_operator(Caller("o", ActorRole.OPERATOR, "busan"), "seoul")


def _execution(track: BudgetTrack) -> Execution:
    return Execution.open(
        item_id="p1",
        agency="seoul",
        item_title="t",
        agenda_id="ag",
        department_id=WELFARE.id,
        department_name=WELFARE.name,
        budget_krw=0 if track == BudgetTrack.NON_BUDGET else 10**9,
        budget_track=track,
        now=T0,
    )


def test_non_budget_starts_at_once_budget_items_record_their_source_first() -> None:
    now = _execution(BudgetTrack.NON_BUDGET)
    assert (now.status, now.started_at, now.budget_source) == (ExecutionStatus.IN_PROGRESS, T0, "비예산")
    later = _execution(BudgetTrack.PARTICIPATORY)
    assert (later.status, later.started_at) == (ExecutionStatus.BUDGETING, None)
    with pytest.raises(ExecutionState):
        later.add_milestone(Milestone("m", "착수", 10, "", "off-1", T0))
    with pytest.raises(Invalid):
        later.secure_budget("  ", T0)
    later.secure_budget("2020년 시민참여예산 배정", T0 + timedelta(days=200))
    assert (later.status, later.budget_source) == (ExecutionStatus.IN_PROGRESS, "2020년 시민참여예산 배정")
    with pytest.raises(ExecutionState):
        later.secure_budget("again", T0)


def test_progress_only_goes_forward_and_completion_ends_the_execution() -> None:
    e = _execution(BudgetTrack.NON_BUDGET)
    e.add_milestone(Milestone("m1", "착수", 30, "", "off-1", T0))
    e.add_milestone(Milestone("m2", "중간 점검", 30, "", "off-1", T0))  # equal is fine
    for pct, code in ((20, "progress_backwards"), (101, "invalid_progress")):
        with pytest.raises(Invalid) as err:
            e.add_milestone(Milestone("m3", "x", pct, "", "off-1", T0))
        assert err.value.code == code
    e.add_report(Report("r1", "1차 보고", "진행 중", False, [], "off-1", T0))
    e.complete(Report("r2", "결과 보고서", "완료", True, [], "off-1", T0), T0 + timedelta(days=30))
    assert (e.status, e.progress_pct, e.completed_at) == (ExecutionStatus.COMPLETED, 100, T0 + timedelta(days=30))
    with pytest.raises(Conflict):
        e.add_report(Report("r3", "x", "y", False, [], "off-1", T0))


def test_attachments_are_recognised_by_their_bytes_within_the_size_limit() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(PDF) == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert check_attachment("사진.png", PNG) == ("사진.png", "image/png")
    # A script named like a PDF is refused; a PDF named like a script gets its true extension.
    with pytest.raises(Invalid) as e:
        check_attachment("report.pdf", b"<script>alert(1)</script>")
    assert e.value.code == "attachment_type"
    assert check_attachment("evil.html", PDF) == ("evil.pdf", "application/pdf")
    with pytest.raises(Invalid) as e:
        check_attachment("big.pdf", PDF + b"x" * MAX_ATTACHMENT_BYTES)
    assert e.value.code == "attachment_too_large"
    with pytest.raises(Invalid):
        check_attachment("empty.pdf", b"")
    assert safe_filename('../../etc/"passwd\r\n', "application/pdf") == "passwd.pdf"
    assert safe_filename("...", "image/png") == "attachment.png"
