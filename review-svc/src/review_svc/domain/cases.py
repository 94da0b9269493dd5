"""The review case (부서검토 건) and its state machine.

    unassigned ──assign──▶ assigned ──answer──▶ awaiting_approval ──approve──▶ published
                             ▲  │  ▲                   │
                             │  │  └──────return───────┘
                 assign ─────┘  └─reassign-request─▶ reassign_requested

Overdue is a flag, not a state: a late case still has to be answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from gongnon_contracts.events.common import Metric, RuleAction
from gongnon_contracts.refusals import Conflict, Invalid
from review_svc.domain.access import Caller
from review_svc.domain.departments import Department

DEFAULT_DUE_DAYS = 20
ROUTED_ACTIONS = frozenset({RuleAction.DEPARTMENT_ANSWER, RuleAction.HEAD_ANSWER})


class Status(StrEnum):
    UNASSIGNED = "unassigned"  # 미지정: no department for the category; an operator assigns one
    ASSIGNED = "assigned"  # the department is reviewing
    REASSIGN_REQUESTED = "reassign_requested"  # 재지정 요청
    AWAITING_APPROVAL = "awaiting_approval"  # 관리자 미승인
    PUBLISHED = "published"  # 관리자 승인: the answer is public


class Decision(StrEnum):
    ACCEPT = "accept"
    PARTIAL = "partial"
    REJECT = "reject"


DECISION_LABELS: dict[Decision, str] = {
    Decision.ACCEPT: "수용",
    Decision.PARTIAL: "부분수용",
    Decision.REJECT: "불수용",
}
REASON_REQUIRED = frozenset({Decision.PARTIAL, Decision.REJECT})


class InvalidState(Conflict):
    code = "invalid_state"


@dataclass
class Answer:
    decision: Decision
    text: str
    reason: str | None
    officer_account: str
    submitted_at: datetime


@dataclass
class Reminder:
    kind: str
    at: datetime
    sent: bool = True  # False: its moment passed while nobody looked; a later one was sent instead


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    actor_account: str
    actor_role: str
    department_id: str | None
    note: str = ""


def trigger_text(metric: Metric, threshold: int, action: RuleAction) -> str:
    reached = f"공감 {threshold:,}개" if metric == Metric.SUPPORTS else f"토론 참여 {threshold:,}명"
    who = "시장 답변" if action == RuleAction.HEAD_ANSWER else "부서 답변"
    return f"{reached} 달성: {who} 대상"


# The natural key of a result's case: one answer per debate or consultation.
RESULT_RULE_ID = "deliberation-result"
DELIBERATION_KO = {"debate": "시민토론", "consultation": "서울시가 묻습니다"}


def result_trigger_text(kind: str, participants: int, due_days: int) -> str:
    return f"{DELIBERATION_KO.get(kind, kind)} 결과 공개 (참여 {participants:,}명): {due_days}일 이내 부서 답변"


def due_at_for(reached_at: datetime, due_days: int | None) -> datetime:
    days = due_days if due_days and due_days > 0 else DEFAULT_DUE_DAYS
    return reached_at + timedelta(days=days)


def _required(text: str | None, what: str, code: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise Invalid(f"{what} is required", code=code)
    return cleaned


@dataclass
class ReviewCase:
    id: str
    agency: str
    item_id: str
    item_title: str
    category: str
    rule_id: str
    rule_set_id: str
    action: RuleAction
    trigger: str
    opened_at: datetime
    due_at: datetime
    status: Status
    department_id: str | None
    department_name: str
    answer: Answer | None = None
    approved_by: str | None = None
    published_at: datetime | None = None
    overdue: bool = False
    overdue_at: datetime | None = None
    reminders: list[Reminder] = field(default_factory=list)
    reassign_reason: str | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    version: int = 0

    @classmethod
    def open(
        cls,
        *,
        case_id: str,
        agency: str,
        item_id: str,
        item_title: str,
        category: str,
        rule_id: str,
        rule_set_id: str,
        action: RuleAction,
        metric: Metric,
        threshold: int,
        reached_at: datetime,
        due_days: int | None,
        department: Department | None,
        now: datetime,
    ) -> ReviewCase:
        if action not in ROUTED_ACTIONS:
            raise ValueError(f"{action} does not open a review case")
        case = cls(
            id=case_id,
            agency=agency,
            item_id=item_id,
            item_title=item_title,
            category=category,
            rule_id=rule_id,
            rule_set_id=rule_set_id,
            action=action,
            trigger=trigger_text(metric, threshold, action),
            opened_at=now,
            due_at=due_at_for(reached_at, due_days),
            status=Status.ASSIGNED if department else Status.UNASSIGNED,
            department_id=department.id if department else None,
            department_name=department.name if department else "",
        )
        case._log(now, "opened", "system", "system", case.trigger)
        return case

    @classmethod
    def open_for_result(
        cls,
        *,
        case_id: str,
        agency: str,
        item_id: str,
        item_title: str,
        category: str,
        kind: str,
        participants: int,
        published_at: datetime,
        due_days: int,
        department: Department | None,
        now: datetime,
    ) -> ReviewCase:
        """The department answers a debate's or consultation's published result (30 / 60 days)."""
        case = cls(
            id=case_id,
            agency=agency,
            item_id=item_id,
            item_title=item_title,
            category=category,
            rule_id=RESULT_RULE_ID,
            rule_set_id=f"deliberation:{kind}",
            action=RuleAction.DEPARTMENT_ANSWER,
            trigger=result_trigger_text(kind, participants, due_days),
            opened_at=now,
            due_at=due_at_for(published_at, due_days),
            status=Status.ASSIGNED if department else Status.UNASSIGNED,
            department_id=department.id if department else None,
            department_name=department.name if department else "",
        )
        case._log(now, "opened", "system", "system", case.trigger)
        return case

    # -- transitions ---------------------------------------------------------------------------

    def submit_answer(self, by: Caller, decision: Decision, text: str, reason: str | None, now: datetime) -> Answer:
        self._expect("answer", Status.ASSIGNED)
        body = _required(text, "the answer", "answer_required")
        why = (reason or "").strip() or None
        if decision in REASON_REQUIRED and not why:
            raise Invalid(
                f"a reason is required for {DECISION_LABELS[decision]} ({decision.value})", code="reason_required"
            )
        self.answer = Answer(decision, body, why, by.account_id, now)
        self.status = Status.AWAITING_APPROVAL
        self._log(now, "answer_submitted", by.account_id, by.role.value, DECISION_LABELS[decision])
        return self.answer

    def approve(self, by: Caller, now: datetime) -> Answer:
        self._expect("approve", Status.AWAITING_APPROVAL)
        assert self.answer is not None  # awaiting_approval always carries an answer
        self.status = Status.PUBLISHED
        self.approved_by = by.account_id
        self.published_at = now
        self._log(now, "published", by.account_id, by.role.value, DECISION_LABELS[self.answer.decision])
        return self.answer

    def return_to_department(self, by: Caller, reason: str, now: datetime) -> None:
        self._expect("return", Status.AWAITING_APPROVAL)
        why = _required(reason, "a reason", "reason_required")
        self.answer = None  # the department writes it again; the timeline keeps what happened
        self.status = Status.ASSIGNED
        self._log(now, "returned", by.account_id, by.role.value, why)

    def request_reassignment(self, by: Caller, reason: str, now: datetime) -> None:
        self._expect("reassign-request", Status.ASSIGNED)
        why = _required(reason, "a reason", "reason_required")
        self.status = Status.REASSIGN_REQUESTED
        self.reassign_reason = why
        self._log(now, "reassign_requested", by.account_id, by.role.value, why)

    def assign(self, by: Caller, department: Department, now: datetime) -> bool:
        """Give the case to a department. True when this is its first department (the case
        only now really opens for review)."""
        self._expect("assign", Status.UNASSIGNED, Status.ASSIGNED, Status.REASSIGN_REQUESTED)
        if department.agency != self.agency:
            raise Invalid("that department belongs to another agency", code="unknown_department")
        if department.id == self.department_id:
            if self.status != Status.REASSIGN_REQUESTED:
                raise Conflict("the case is already assigned to that department", code="already_assigned")
            # Keeping the same department answers the request with "no" (재지정 반려).
            self.status = Status.ASSIGNED
            self._log(now, "reassign_declined", by.account_id, by.role.value, department.name)
            self.reassign_reason = None
            return False
        first = self.department_id is None
        self.department_id = department.id
        self.department_name = department.name
        self.status = Status.ASSIGNED
        self.reassign_reason = None
        self._log(now, "assigned" if first else "reassigned", by.account_id, by.role.value, department.name)
        return first

    def record_reminder(self, kind: str, now: datetime, *, sent: bool = True) -> None:
        self.reminders.append(Reminder(kind, now, sent))
        if sent:
            self._log(now, "reminder", "system", "system", kind)

    def mark_overdue(self, now: datetime) -> None:
        self.overdue = True
        self.overdue_at = now
        self._log(now, "overdue", "system", "system", "")

    # -- helpers -------------------------------------------------------------------------------

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def reminded(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.reminders)

    def _expect(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise InvalidState(
                f"cannot {action} a case that is {self.status.value}",
                details={"status": self.status.value, "allowed_from": [s.value for s in allowed]},
            )

    def _log(self, at: datetime, kind: str, account: str, role: str, note: str) -> None:
        self.timeline.append(TimelineEntry(at, kind, account, role, self.department_id, note))
