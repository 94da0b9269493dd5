"""The review domain without I/O: routing, the case state machine, access rules, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound, status_of
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.reference import POLICY_CATEGORIES
from review_svc.domain import access
from review_svc.domain.access import Caller
from review_svc.domain.cases import Decision, InvalidState, ReviewCase, Status
from review_svc.domain.deadlines import (
    DDAY_KIND,
    KST,
    REMINDER_KIND,
    DeadlineAction,
    apply_deadline,
    dday_start,
    next_check_at,
)
from review_svc.domain.departments import Department, DepartmentKind, route
from review_svc.domain.seoul import HEAD_DEPARTMENT_ID, SEOUL_DEPARTMENTS

T0 = datetime(2019, 10, 15, 9, 0, tzinfo=UTC)
WELFARE = next(d for d in SEOUL_DEPARTMENTS if d.id == "dept-welfare")
TRANSPORT = next(d for d in SEOUL_DEPARTMENTS if d.id == "dept-transport")
OFFICER = Caller("off-1", ActorRole.OFFICER, "seoul", "dept-welfare")
OTHER_OFFICER = Caller("off-2", ActorRole.OFFICER, "seoul", "dept-transport")
OPERATOR = Caller("op-1", ActorRole.OPERATOR, "seoul")
CITIZEN = Caller("cit-1", ActorRole.CITIZEN, "seoul")


def new_case(department: Department | None = WELFARE, due_days: int | None = None, **kw: object) -> ReviewCase:
    args: dict[str, object] = {
        "case_id": "case_1",
        "agency": "seoul",
        "item_id": "p1",
        "item_title": "장애인 이동권 관련 캠페인",
        "category": "welfare",
        "rule_id": "r50",
        "rule_set_id": "democracy-seoul-2019",
        "action": RuleAction.DEPARTMENT_ANSWER,
        "metric": Metric.SUPPORTS,
        "threshold": 50,
        "reached_at": T0,
        "due_days": due_days,
        "department": department,
        "now": T0,
    }
    args.update(kw)
    return ReviewCase.open(**args)  # type: ignore[arg-type]


# -- departments and routing ----------------------------------------------------------------------


def test_every_policy_category_has_exactly_one_seoul_department() -> None:
    for key in POLICY_CATEGORIES:
        owners = [d.id for d in SEOUL_DEPARTMENTS if key in d.categories]
        assert len(owners) == 1, (key, owners)
    assert len({d.id for d in SEOUL_DEPARTMENTS}) == len(SEOUL_DEPARTMENTS)
    assert all(d.agency == "seoul" for d in SEOUL_DEPARTMENTS)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("welfare", ("dept-welfare", "복지정책실")),
        ("women", ("dept-women", "여성가족정책실")),
        ("transport", ("dept-transport", "도시교통실")),
        ("health", ("dept-health", "시민건강국")),
        ("other", ("dept-innovation", "서울혁신기획관")),
        ("no-such-category", ("dept-innovation", "서울혁신기획관")),
    ],
)
def test_route_by_category(category: str, expected: tuple[str, str]) -> None:
    d = route(SEOUL_DEPARTMENTS, category, RuleAction.DEPARTMENT_ANSWER)
    assert d is not None
    assert (d.id, d.name) == expected


def test_head_answer_routes_to_the_head_of_agency() -> None:
    d = route(SEOUL_DEPARTMENTS, "welfare", RuleAction.HEAD_ANSWER)
    assert d is not None
    assert d.id == HEAD_DEPARTMENT_ID
    assert d.kind == DepartmentKind.HEAD


def test_agency_without_departments_routes_nowhere() -> None:
    assert route([], "welfare", RuleAction.DEPARTMENT_ANSWER) is None


# -- opening ---------------------------------------------------------------------------------------


def test_open_defaults_to_twenty_days_and_the_rules_own_period() -> None:
    case = new_case()
    assert case.status == Status.ASSIGNED
    assert case.department_name == "복지정책실"
    assert case.due_at == T0 + timedelta(days=20)
    assert case.trigger == "공감 50개 달성: 부서 답변 대상"
    assert new_case(due_days=30).due_at == T0 + timedelta(days=30)


def test_open_without_department_is_unassigned() -> None:
    case = new_case(department=None)
    assert case.status == Status.UNASSIGNED
    assert case.department_id is None


def test_only_answer_actions_open_cases() -> None:
    with pytest.raises(ValueError, match="does not open"):
        new_case(action=RuleAction.DEBATE_CANDIDATE)


# -- answering and approval ------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [Decision.REJECT, Decision.PARTIAL])
def test_reject_and_partial_need_a_reason(decision: Decision) -> None:
    case = new_case()
    with pytest.raises(Invalid) as err:
        case.submit_answer(OFFICER, decision, "검토 결과입니다", "   ", T0)
    assert err.value.code == "reason_required"
    assert case.status == Status.ASSIGNED
    assert case.answer is None


def test_accept_needs_no_reason_but_an_answer() -> None:
    case = new_case()
    with pytest.raises(Invalid) as err:
        case.submit_answer(OFFICER, Decision.ACCEPT, "  ", None, T0)
    assert err.value.code == "answer_required"
    case.submit_answer(OFFICER, Decision.ACCEPT, "수용하겠습니다", None, T0)
    assert case.status == Status.AWAITING_APPROVAL
    assert case.answer is not None
    assert case.answer.reason is None


def test_answer_then_approve_publishes() -> None:
    case = new_case()
    case.submit_answer(OFFICER, Decision.PARTIAL, "일부 반영합니다", "예산 한도", T0)
    later = T0 + timedelta(days=2)
    case.approve(OPERATOR, later)
    assert case.status == Status.PUBLISHED
    assert case.approved_by == "op-1"
    assert case.published_at == later
    assert [t.kind for t in case.timeline] == ["opened", "answer_submitted", "published"]


def test_return_sends_the_answer_back() -> None:
    case = new_case()
    case.submit_answer(OFFICER, Decision.REJECT, "어렵습니다", "법령상 불가", T0)
    with pytest.raises(Invalid):
        case.return_to_department(OPERATOR, "", T0)
    case.return_to_department(OPERATOR, "근거를 보완해 주세요", T0)
    assert case.status == Status.ASSIGNED
    assert case.answer is None
    case.submit_answer(OFFICER, Decision.REJECT, "어렵습니다", "법령 제3조", T0)
    assert case.status == Status.AWAITING_APPROVAL


@pytest.mark.parametrize(
    ("prepare", "act"),
    [
        # approve before any answer
        (lambda c: None, lambda c: c.approve(OPERATOR, T0)),
        # answer twice
        (
            lambda c: c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0),
            lambda c: c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0),
        ),
        # answer after publication
        (
            lambda c: (c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0), c.approve(OPERATOR, T0)),
            lambda c: c.submit_answer(OFFICER, Decision.ACCEPT, "다시", None, T0),
        ),
        # return when nothing awaits approval
        (lambda c: None, lambda c: c.return_to_department(OPERATOR, "why", T0)),
        # reassignment requested while the answer awaits approval
        (
            lambda c: c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0),
            lambda c: c.request_reassignment(OFFICER, "우리 소관 아님", T0),
        ),
        # answering while a reassignment is pending
        (
            lambda c: c.request_reassignment(OFFICER, "우리 소관 아님", T0),
            lambda c: c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0),
        ),
        # assigning a published case
        (
            lambda c: (c.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0), c.approve(OPERATOR, T0)),
            lambda c: c.assign(OPERATOR, TRANSPORT, T0),
        ),
    ],
)
def test_illegal_transitions_are_invalid_state(prepare: object, act: object) -> None:
    case = new_case()
    prepare(case)  # type: ignore[operator]
    before = case.status
    with pytest.raises(InvalidState) as err:
        act(case)  # type: ignore[operator]
    assert status_of(err.value) == 409  # as the edge answers it
    assert err.value.code == "invalid_state"
    assert case.status == before


# -- reassignment ----------------------------------------------------------------------------------


def test_reassignment_request_then_operator_assigns_elsewhere() -> None:
    case = new_case()
    case.request_reassignment(OFFICER, "교통 소관입니다", T0)
    assert case.status == Status.REASSIGN_REQUESTED
    assert case.reassign_reason == "교통 소관입니다"
    first = case.assign(OPERATOR, TRANSPORT, T0)
    assert first is False
    assert case.status == Status.ASSIGNED
    assert (case.department_id, case.department_name) == ("dept-transport", "도시교통실")
    assert case.timeline[-1].kind == "reassigned"
    assert case.reassign_reason is None


def test_keeping_the_department_declines_the_request() -> None:
    case = new_case()
    with pytest.raises(Conflict) as err:
        case.assign(OPERATOR, WELFARE, T0)
    assert err.value.code == "already_assigned"
    case.request_reassignment(OFFICER, "우리 소관 아님", T0)
    case.assign(OPERATOR, WELFARE, T0)
    assert case.status == Status.ASSIGNED
    assert case.timeline[-1].kind == "reassign_declined"


def test_first_assignment_of_an_unassigned_case_opens_it() -> None:
    case = new_case(department=None)
    assert case.assign(OPERATOR, WELFARE, T0) is True
    assert case.status == Status.ASSIGNED


def test_cannot_assign_another_agencys_department() -> None:
    case = new_case()
    busan = Department("busan-welfare", "busan", "복지국", categories=("welfare",))
    with pytest.raises(Invalid) as err:
        case.assign(OPERATOR, busan, T0)
    assert err.value.code == "unknown_department"


# -- access ----------------------------------------------------------------------------------------


def test_only_the_cases_department_may_answer() -> None:
    access.require_department(OFFICER, "dept-welfare")
    with pytest.raises(Forbidden) as err:
        access.require_department(OTHER_OFFICER, "dept-welfare")
    assert err.value.code == "not_your_department"
    for caller in (CITIZEN, OPERATOR, Caller("x", ActorRole.OFFICER, "seoul", None)):
        with pytest.raises(Forbidden) as err:
            access.require_department(caller, "dept-welfare")
        assert err.value.code == "forbidden"


def test_operators_act_only_within_their_agency() -> None:
    access.require_operator(OPERATOR)
    for caller in (OFFICER, CITIZEN, Caller("c", ActorRole.COMMITTEE, "seoul")):
        with pytest.raises(Forbidden):
            access.require_operator(caller)
    with pytest.raises(NotFound):
        access.require_same_agency(Caller("op-b", ActorRole.OPERATOR, "busan"), "seoul")
    access.require_same_agency(Caller("root", ActorRole.SUPER_ADMIN, "platform"), "seoul")


# -- deadlines -------------------------------------------------------------------------------------


def test_reminders_d3_and_dday_once_each_then_overdue_once() -> None:
    case = new_case()  # due T0 + 20 days: 2019-11-04 18:00 KST
    dday = datetime(2019, 11, 4, 0, 0, tzinfo=KST)
    assert dday_start(case.due_at) == dday
    assert next_check_at(case) == T0 + timedelta(days=17)
    assert apply_deadline(case, T0 + timedelta(days=16)) is None
    assert apply_deadline(case, T0 + timedelta(days=17, hours=1)) == DeadlineAction.REMIND
    assert [r.kind for r in case.reminders] == [REMINDER_KIND]
    assert apply_deadline(case, T0 + timedelta(days=18)) is None
    assert next_check_at(case) == dday
    assert apply_deadline(case, dday - timedelta(minutes=1)) is None
    assert apply_deadline(case, dday + timedelta(minutes=1)) == DeadlineAction.REMIND
    assert [(r.kind, r.sent) for r in case.reminders] == [(REMINDER_KIND, True), (DDAY_KIND, True)]
    assert apply_deadline(case, dday + timedelta(hours=2)) is None
    assert next_check_at(case) == T0 + timedelta(days=20)
    assert apply_deadline(case, T0 + timedelta(days=20, minutes=1)) == DeadlineAction.OVERDUE
    assert case.overdue is True
    assert apply_deadline(case, T0 + timedelta(days=30)) is None
    assert next_check_at(case) is None
    assert len(case.reminders) == 2


def test_a_missed_d3_gives_way_to_dday() -> None:
    """The service was down over D-3: on D-day only the D-day reminder goes out."""
    case = new_case()
    dday = dday_start(case.due_at)
    assert apply_deadline(case, dday + timedelta(hours=1)) == DeadlineAction.REMIND
    assert [(r.kind, r.sent) for r in case.reminders] == [(REMINDER_KIND, False), (DDAY_KIND, True)]
    assert case.reminders[-1].kind == DDAY_KIND
    assert next_check_at(case) == case.due_at
    assert [e.kind for e in case.timeline].count("reminder") == 1


def test_a_case_first_seen_after_its_deadline_goes_straight_to_overdue() -> None:
    case = new_case()
    assert apply_deadline(case, T0 + timedelta(days=25)) == DeadlineAction.OVERDUE
    assert case.reminders == []


def test_short_windows_skip_the_d3_reminder_but_not_dday() -> None:
    case = new_case(due_days=2)  # opened inside the D-3 window
    assert next_check_at(case) == dday_start(case.due_at)
    assert apply_deadline(case, T0 + timedelta(days=1)) is None
    assert apply_deadline(case, dday_start(case.due_at) + timedelta(minutes=1)) == DeadlineAction.REMIND
    assert [r.kind for r in case.reminders] == [DDAY_KIND]


def test_a_case_opened_on_its_due_date_gets_no_dday_reminder() -> None:
    case = new_case(due_days=None)
    case.opened_at = dday_start(case.due_at) + timedelta(hours=1)  # opened on the due date itself
    assert next_check_at(case) == case.due_at


def test_published_cases_have_no_deadline_work() -> None:
    case = new_case()
    case.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0)
    case.approve(OPERATOR, T0)
    assert next_check_at(case) is None
    assert apply_deadline(case, T0 + timedelta(days=40)) is None
    assert case.overdue is False


def test_overdue_while_awaiting_approval_counts_too() -> None:
    case = new_case()
    case.submit_answer(OFFICER, Decision.ACCEPT, "네", None, T0)
    assert apply_deadline(case, T0 + timedelta(days=21)) == DeadlineAction.OVERDUE
