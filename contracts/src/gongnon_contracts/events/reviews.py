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
