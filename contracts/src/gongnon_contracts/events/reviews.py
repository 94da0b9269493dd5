from datetime import datetime

from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


class _ReviewEvent(EventData):
    TOPIC = Topic.REVIEWS.value
    case_id: str
    item_id: str

    def subject(self) -> str:
        return self.item_id


@register
class ReviewCaseOpened(_ReviewEvent):
    TYPE = "review.case_opened"
    SUMMARY = "A department review case opened and was assigned (주관부서)"
    department_id: str
    department_name: str
    due_at: datetime
    reason: str


@register
class ReviewAnswerSubmitted(_ReviewEvent):
    TYPE = "review.answer_submitted"
    SUMMARY = "The department submitted its answer; it awaits operator approval"
    department_id: str
    decision: str
    officer_account: str
    department_name: str = ""  # for the operators' notice (empty in events from before it was sent)


@register
class ReviewAnswerPublished(_ReviewEvent):
    TYPE = "review.answer_published"
    SUMMARY = "An operator approved the department's answer; it is now public"
    department_id: str
    department_name: str
    decision: str
    reason: str | None
    answer: str
    approved_by: str
    published_at: datetime


@register
class ReviewCaseOverdue(_ReviewEvent):
    TYPE = "review.case_overdue"
    SUMMARY = "A review case passed its deadline without a published answer"
    department_id: str
    due_at: datetime
    # The department's name, for the escalation's text (empty in events from before it was sent).
    department_name: str = ""


class _ReviewNotice(_ReviewEvent):
    """Addressed to staff (officers, operators, the head), not to the public stream."""

    PUBLIC = False


@register
class ReviewReminderDue(_ReviewNotice):
    TYPE = "review.reminder_due"
    SUMMARY = "A review case's answer is due soon: D-3 or D-day (once each, for the department's officers)"
    department_id: str
    department_name: str
    kind: str  # "d-3" | "d-day"
    due_at: datetime
    # The head of agency answers this one (시장 답변): the agency's head accounts are reminded too.
    head_answer: bool = False


@register
class ReviewReassignmentRequested(_ReviewNotice):
    TYPE = "review.reassignment_requested"
    SUMMARY = "The department asked an operator to give the case to another department (재지정 요청)"
    department_id: str
    department_name: str
    reason: str
    officer_account: str
    requested_at: datetime


@register
class ReviewCaseReassigned(_ReviewNotice):
    TYPE = "review.case_reassigned"
    SUMMARY = "An operator moved the case to another department (재지정), on request or not"
    from_department_id: str
    from_department_name: str
    department_id: str
    department_name: str
    due_at: datetime
    requested: bool
    decided_by: str
    decided_at: datetime


@register
class ReviewReassignmentDeclined(_ReviewNotice):
    TYPE = "review.reassignment_declined"
    SUMMARY = "An operator kept the case with its department: the reassignment request was declined (재지정 반려)"
    department_id: str
    department_name: str
    decided_by: str
    decided_at: datetime


@register
class ReviewAnswerReturned(_ReviewNotice):
    TYPE = "review.answer_returned"
    SUMMARY = "An operator sent the department's answer back with a reason (반려)"
    department_id: str
    department_name: str
    reason: str
    returned_by: str
