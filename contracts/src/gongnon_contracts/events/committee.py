"""제안실현위원회 (the committee) and 실행 (execution), owned by review-svc.

The committee takes an accepted proposal an operator flagged as an issue (이슈 등록), its members
score it on four criteria (1차 심의), the best scored are selected, an execution plan is written
(2차 심의), and the executing department judges the plan within 10 days (3차 심의): 적정 opens the
decision vote, 수정 sends the plan back, 폐기 closes the item with a public reason. A passed
decision vote (or a non-budget plan) starts execution: milestones with progress, reports and
completion, all public."""

from datetime import datetime

from pydantic import Field

from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


class _CommitteeEvent(EventData):
    TOPIC = Topic.REVIEWS.value
    agenda_id: str
    item_id: str

    def subject(self) -> str:
        return self.item_id


@register
class CommitteeAgendaOpened(_CommitteeEvent):
    TYPE = "committee.agenda_opened"
    SUMMARY = "An accepted proposal was flagged as an issue and put on the committee's agenda (안건 등록)"
    item_title: str
    case_id: str
    department_id: str
    department_name: str
    flagged_by: str
    opened_at: datetime


@register
class CommitteeSelectionDecided(_CommitteeEvent):
    TYPE = "committee.selection_decided"
    SUMMARY = "The committee's first review ended: the item was selected (or not) by its aggregate score"
    selected: bool
    average_score: float = Field(ge=0, description="Mean of the members' totals, out of 20 (four criteria, 1-5)")
    scorers: int = Field(ge=0)
    rank: int = Field(ge=1)
    decided_by: str
    decided_at: datetime


@register
class CommitteePlanSubmitted(_CommitteeEvent):
    TYPE = "committee.plan_submitted"
    SUMMARY = "An execution plan (실행계획서) was written; the executing department judges it within 10 days"
    revision: int = Field(ge=1)
    direction: str
    budget_krw: int = Field(ge=0)
    budget_track: str = Field(description="non_budget 비예산, own_budget 자체예산, participatory_budget 시민참여예산")
    department_id: str = Field(description="The executing department (실행부서)")
    department_name: str
    verdict_due_at: datetime
    submitted_by: str


@register
class CommitteeVerdictGiven(_CommitteeEvent):
    TYPE = "committee.verdict_given"
    SUMMARY = "The executing department judged the plan: fit (적정), revise (수정) or discard (폐기)"
    verdict: str = Field(description="fit | revise | discard")
    reason: str
    department_id: str
    department_name: str
    budget_krw: int = Field(ge=0)
    budget_track: str
    decided_by: str
    decided_at: datetime
    late: bool = Field(False, description="Given after the 10-day deadline")


@register
class CommitteeVerdictOverdue(_CommitteeEvent):
    TYPE = "committee.verdict_overdue"
    SUMMARY = "The executing department let the plan's 10 days pass without a verdict (once per plan)"
    revision: int = Field(ge=1)
    department_id: str
    department_name: str
    verdict_due_at: datetime


class _ExecutionEvent(EventData):
    TOPIC = Topic.REVIEWS.value
    item_id: str

    def subject(self) -> str:
        return self.item_id


@register
class ExecutionStarted(_ExecutionEvent):
    TYPE = "execution.started"
    SUMMARY = "Execution (실행) opened: at once for a non-budget plan, after its budget is secured otherwise"
    department_id: str
    department_name: str
    budget_krw: int = Field(ge=0)
    budget_track: str
    budget_source: str = Field("", description="Where the budget comes from (e.g. the fiscal year's line)")
    status: str = Field(description="in_progress | budgeting")
    at: datetime


@register
class ExecutionProgressed(_ExecutionEvent):
    TYPE = "execution.progressed"
    SUMMARY = "A milestone of execution: what was done and the progress in per cent"
    milestone_id: str
    title: str
    progress_pct: int = Field(ge=0, le=100)
    at: datetime


@register
class ExecutionReportPublished(_ExecutionEvent):
    TYPE = "execution.report_published"
    SUMMARY = "A progress report (or the final report) of execution was published"
    report_id: str
    title: str
    final: bool = False
    attachments: int = Field(0, ge=0)
    at: datetime


@register
class ExecutionCompleted(_ExecutionEvent):
    TYPE = "execution.completed"
    SUMMARY = "Execution completed (실행 완료) with its final report"
    department_id: str
    department_name: str
    report_id: str
    completed_at: datetime


# Every step of the committee and execution, for the consumers that treat them alike (the item's
# timeline in proposal-svc, the public stream in notify-svc).
CIVIC_EVENTS: tuple[type[EventData], ...] = (
    CommitteeAgendaOpened,
    CommitteeSelectionDecided,
    CommitteePlanSubmitted,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    ExecutionStarted,
    ExecutionProgressed,
    ExecutionReportPublished,
    ExecutionCompleted,
)
