"""Request and response models of the committee (제안실현위원회) and execution (실행). The gateway
checks shapes and sizes; review-svc decides who may do what and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from gongnon_contracts.bounds import KRW_MAX
from gongnon_gateway.api.responses import _example, _Out
from gongnon_gateway.api.schemas import _In

REF = r"^[A-Za-z0-9_\-]{1,64}$"
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_REPORT_ATTACHMENTS = 5
# A report's body: its text and its attachments in base64 (4/3 of their size), with room for JSON.
REPORT_BODY_LIMIT = MAX_REPORT_ATTACHMENTS * (MAX_ATTACHMENT_BYTES * 4 // 3 + 16) + 128 * 1024


class Scores(_In):
    necessity: int = Field(ge=1, le=5, description="당위성: do citizens really need it?")
    changeability: int = Field(ge=1, le=5, description="변화성: can citizens shape it?")
    feasibility: int = Field(ge=1, le=5, description="실행성: can it be carried out?")
    impact: int = Field(ge=1, le=5, description="파급성: will it change citizens' lives?")


class ScoresIn(_In):
    scores: Scores
    comment: str = Field("", max_length=2_000)


class SelectionIn(_In):
    top_n: int = Field(ge=1, le=100, description="How many items this round selects at most")
    min_average: float = Field(0, ge=0, le=20, description="The lowest mean total (of 20) still selected")
    min_scorers: int = Field(1, ge=1, le=100, description="Score sheets an item needs to be selected")


class PlanIn(_In):
    direction: str = Field(min_length=1, max_length=2_000, description="추진방향")
    detail: str = Field(min_length=1, max_length=20_000, description="세부계획")
    budget_krw: int = Field(ge=0, le=KRW_MAX, description="예산(안); 0 for a non-budget plan")
    budget_track: Literal["non_budget", "own_budget", "participatory_budget"] = Field(
        description="비예산 / 자체예산 / 시민참여예산 request"
    )
    department_id: str | None = Field(None, pattern=REF, description="실행부서; default: the answering department")


class VerdictIn(_In):
    verdict: Literal["fit", "revise", "discard"] = Field(description="적정 / 수정 / 폐기 (the last two need a reason)")
    reason: str = Field("", max_length=5_000)


class BudgetIn(_In):
    source: str = Field(min_length=1, max_length=500, description="Where the budget comes from (예산 출처)")


class MilestoneIn(_In):
    title: str = Field(min_length=1, max_length=200)
    progress_pct: int = Field(ge=0, le=100, description="Never lower than the last milestone's")
    note: str = Field("", max_length=5_000)


class AttachmentIn(_In):
    filename: str = Field(min_length=1, max_length=255)
    data_base64: str = Field(
        min_length=4,
        max_length=(MAX_ATTACHMENT_BYTES + 2) // 3 * 4 + 4,
        description="The file, base64; PDF, PNG or JPEG (recognised by its contents), at most 5 MB",
    )


class ReportIn(_In):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=50_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_REPORT_ATTACHMENTS)


_AGENDA: dict[str, Any] = {
    "id": "agenda_01J…",
    "agency": "seoul",
    "item_id": "prop_01J…",
    "item_title": "저상버스 확대",
    "status": "awaiting_verdict",
    "department_id": "dept-transport",
    "department_name": "교통정책과",
    "scorers": 3,
    "average_score": 16.33,
    "max_score": 20,
    "plan": {"revision": 1, "budget_krw": 1_000_000_000, "budget_track": "own_budget"},
    "verdict_due_at": "2019-11-25T09:00:00+00:00",
    "verdict": None,
}


class AgendaOut(_Out):
    """A committee agenda item (안건): scores in aggregate, the plan, the verdict, its timeline."""

    model_config = _example(_AGENDA)

    id: str
    agency: str
    item_id: str
    item_title: str = ""
    status: str = Field(
        description="scoring, not_selected, planning, awaiting_verdict, voting, discarded, executing, rejected"
    )
    department_id: str
    department_name: str = ""
    scorers: int
    average_score: float | None = None
    max_score: int
    criteria: dict[str, Any] = Field(default_factory=dict)
    rank: int | None = None
    plan: dict[str, Any] | None = None
    verdict_due_at: datetime | None = None
    verdict_overdue: bool = False
    verdict: str | None = None
    verdict_reason: str | None = None
    closed_reason: str | None = None
    timeline: list[dict[str, Any]] = Field(default_factory=list)


class AgendaListOut(_Out):
    model_config = _example({"items": [_AGENDA]})

    items: list[AgendaOut]


class DecisionPageOut(_Out):
    model_config = _example({"items": [{**_AGENDA, "status": "voting"}], "next_after": None})

    items: list[AgendaOut]
    next_after: str | None = None


class SelectionOut(_Out):
    model_config = _example(
        {"rule": {"top_n": 5, "min_average": 12, "min_scorers": 3}, "items": [{**_AGENDA, "selected": True}]}
    )

    rule: dict[str, Any]
    items: list[AgendaOut]


_EXECUTION: dict[str, Any] = {
    "item_id": "prop_01J…",
    "agency": "seoul",
    "item_title": "저상버스 확대",
    "department_id": "dept-transport",
    "department_name": "교통정책과",
    "budget_krw": 1_000_000_000,
    "budget_track": "own_budget",
    "budget_source": "2020년 교통정책과 예산",
    "status": "in_progress",
    "progress_pct": 40,
    "milestones": [{"id": "ms_01J…", "title": "1차 도입", "progress_pct": 40, "at": "2020-03-02T00:00:00+00:00"}],
    "reports": [],
}


class ExecutionOut(_Out):
    """An item's execution (실행): budget, status, progress, milestones and reports (public)."""

    model_config = _example(_EXECUTION)

    item_id: str
    agency: str
    item_title: str = ""
    department_id: str
    department_name: str = ""
    budget_krw: int
    budget_track: str
    budget_source: str | None = None
    status: str = Field(description="budgeting, in_progress, completed")
    progress_pct: int
    milestones: list[dict[str, Any]] = Field(default_factory=list)
    reports: list[dict[str, Any]] = Field(default_factory=list)
    started_at: datetime | None = None
    completed_at: datetime | None = None


class ExecutionPageOut(_Out):
    model_config = _example({"items": [_EXECUTION], "next_after": None})

    items: list[ExecutionOut]
    next_after: str | None = None
