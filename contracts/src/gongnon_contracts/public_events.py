"""The public event stream partner agencies subscribe to (docs/federation.md).

Internal events carry account ids, citizen keys and operators' accounts; these carry only what
the public site already shows. notify-svc projects them from the internal topics, numbers them
with a platform-wide increasing `seq` (the feed cursor) and publishes them on `gongnon.public`,
to webhooks (Standard Webhooks) and to the pull feed. One schema per type, versioned: a change
that is not purely additive becomes a new VERSION of that type."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.events.deliberations import BallotOption, BallotQuestion
from gongnon_contracts.topics import Topic

PUBLIC_TOPIC = Topic.PUBLIC.value


class PublicData(BaseModel):
    """Base of every public event's `data`. Subclasses set TYPE and SUMMARY (VERSION when it changes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    SUMMARY: ClassVar[str] = ""


class ItemSubmitted(PublicData):
    TYPE = "item.submitted"
    SUMMARY = "A proposal was submitted (its page is public from now on)"
    kind: str = Field(description="proposal")
    title: str
    category: str = Field(description="정책분류 key, e.g. welfare")
    district: str | None = Field(description="자치구 key, e.g. mapo; null for city-wide")
    author_name: str | None = Field(description="The display name the site shows beside the proposal")
    author_role: str = Field(description="citizen, operator, officer … (never the account)")
    listed: bool = Field(description="In the public lists now (false: reachable by its link until a threshold)")
    stage: str = Field(description="Stage key (reference data STAGES): proposed or supporting")
    rule_set_id: str = Field(description="The threshold rules the item runs under")


class SupportMilestone(PublicData):
    TYPE = "item.support_milestone"
    SUMMARY = "A threshold rule fired: METRIC reached THRESHOLD within its window; ACTION is due"
    rule_id: str
    metric: str = Field(description="supports or debate_participants")
    threshold: int = Field(ge=0)
    value: int = Field(ge=0, description="The count when it fired")
    action: str = Field(description="department_answer, head_answer, debate_candidate, make_public, …")
    due_days: int | None = Field(description="The answer is due within this many days")
    reached_at: datetime


class SupportsCounted(PublicData):
    TYPE = "item.supports_counted"
    SUMMARY = "The item's support count (공감) grew; coalesced, at most one per item per projection batch"
    total: int = Field(ge=0, description="Supports counted so far (absolute, never decreasing)")
    as_of: datetime = Field(description="Time of the newest support included")


class StageChanged(PublicData):
    TYPE = "item.stage_changed"
    SUMMARY = "The proposal moved to another stage (제안 → 공감 → 부서검토 → 답변 완료, or 종료)"
    stage: str = Field(description="Stage key (reference data STAGES)")
    previous_stage: str | None
    label_ko: str
    label_en: str


class CaseOpened(PublicData):
    TYPE = "review.case_opened"
    SUMMARY = "A department review case opened (주관부서 assigned, answer due)"
    case_id: str
    department_id: str
    department_name: str
    due_at: datetime
    reason: str = Field(description="Why the case opened, as the item page shows it")


class AnswerPublished(PublicData):
    TYPE = "review.answer_published"
    SUMMARY = "The department's answer was approved and published"
    case_id: str
    department_id: str
    department_name: str
    decision: str = Field(description="accept (수용), partial (부분수용) or reject (불수용)")
    reason: str | None
    answer: str
    published_at: datetime


class DebateOpened(PublicData):
    TYPE = "debate.opened"
    SUMMARY = "A debate (시민토론) or city consultation (서울시가 묻습니다) opened for votes"
    kind: str = Field(description="debate or consultation")
    title: str
    category: str
    department_id: str | None
    source_item_id: str | None = Field(description="The proposal a debate grew from")
    vote_type: str
    options: list[BallotOption] = Field(default_factory=list)
    questions: list[BallotQuestion] = Field(default_factory=list)
    max_choices: int = Field(ge=1)
    opens_at: datetime
    closes_at: datetime


class DebateClosed(PublicData):
    TYPE = "debate.closed"
    SUMMARY = "A debate or consultation closed; its result is published and goes to the department"
    kind: str
    title: str
    category: str
    source_item_id: str | None
    vote_type: str
    total: int = Field(ge=0, description="Participants (distinct voters)")
    counts: dict[str, int] = Field(default_factory=dict)
    closed_at: datetime
    published_at: datetime
    answer_due_days: int = Field(ge=1)


class ItemModerated(PublicData):
    TYPE = "item.moderated"
    SUMMARY = "An operator hid, trashed, restored, or changed the visibility of an item (no reason text, no actor)"
    action: str = Field(description="hide, trash, restore, make_private or make_public")
    visible: bool = Field(description="Whether the item is public after the act; while not, no other event is sent")


class CommitteeStep(PublicData):
    TYPE = "committee.step"
    SUMMARY = (
        "The committee (제안실현위원회) moved the item: on the agenda, selected or not (mean score of 20), "
        "an execution plan, the executing department's verdict (fit 적정 / revise 수정 / discard 폐기), or "
        "that verdict overdue"
    )
    step: str = Field(description="agenda_opened, selected, not_selected, plan_submitted, verdict, verdict_overdue")
    average_score: float | None = Field(None, description="selected / not_selected: the members' mean total")
    verdict: str | None = Field(None, description="verdict: fit, revise or discard")
    reason: str | None = Field(None, description="verdict: why (required for revise and discard)")
    budget_krw: int | None = Field(None, description="plan_submitted: the plan's budget")
    budget_track: str | None = Field(None, description="plan_submitted: non_budget, own_budget, participatory_budget")
    department_name: str | None = Field(None, description="The executing department")
    due_at: datetime | None = Field(None, description="plan_submitted: the verdict is due by then")


class ExecutionProgress(PublicData):
    TYPE = "execution.progress"
    SUMMARY = "Execution (실행) of what citizens decided: opened, budget secured, a milestone, a report, completed"
    status: str = Field(description="budgeting, in_progress or completed")
    step: str = Field(description="started, milestone, report or completed")
    progress_pct: int | None = Field(None, ge=0, le=100)
    title: str | None = Field(None, description="The milestone's or report's title")
    department_name: str | None = None


PUBLIC_TYPES: dict[str, type[PublicData]] = {
    cls.TYPE: cls
    for cls in (
        ItemSubmitted,
        SupportMilestone,
        SupportsCounted,
        StageChanged,
        CaseOpened,
        AnswerPublished,
        DebateOpened,
        DebateClosed,
        ItemModerated,
        CommitteeStep,
        ExecutionProgress,
    )
}


class PublicEvent(BaseModel):
    """The envelope of every public event: on Kafka (`gongnon.public`, keyed by item_id), as the
    body of a webhook delivery, and in the pull feed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Derived from the internal event: the same happening always has the same id")
    type: str = Field(description="One of the public types, e.g. item.submitted")
    version: int = Field(ge=1)
    seq: int = Field(ge=1, description="Platform-wide increasing number: the feed cursor and replay point")
    time: datetime = Field(description="When it happened (platform clock, UTC)")
    recorded_at: datetime = Field(description="When the public event was committed")
    agency: str = Field(description="The agency (independent space) the item belongs to")
    item_id: str
    data: dict[str, Any]

    def typed(self) -> PublicData:
        return PUBLIC_TYPES[self.type].model_validate(self.data)
