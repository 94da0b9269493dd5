"""The committee's agenda item (제안실현위원회 안건) and its state machine (seed 001, 붙임2 ②).

    scoring ──select──▶ planning ──plan──▶ awaiting_verdict ──적정──▶ voting ──passed──▶ executing
       │                   ▲                     │    │                 └──failed──▶ rejected
       └──▶ not_selected   └───────수정──────────┘    └──폐기──▶ discarded

1차 심의: members score four criteria (당위성, 변화성, 실행성, 파급성) 1-5 each, one sheet per
member, revisable until selection; selection ranks by the mean of the members' totals.
2차 심의: the execution plan (direction, detailed plan, budget, budget track, executing department).
3차 심의: the executing department's verdict within 10 days."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from gongnon_contracts.refusals import Conflict, Invalid
from review_svc.domain.access import Caller
from review_svc.domain.cases import Decision, ReviewCase, Status

VERDICT_DAYS = 10
SCORE_MIN, SCORE_MAX = 1, 5
# Seed 001: 당위성 (is it needed), 변화성 (can citizens shape it), 실행성 (feasible), 파급성 (impact).
CRITERIA: dict[str, str] = {
    "necessity": "당위성",
    "changeability": "변화성",
    "feasibility": "실행성",
    "impact": "파급성",
}
MAX_TOTAL = SCORE_MAX * len(CRITERIA)
# The decision vote runs at least 30 days (seed 001: 작성된 보고서 게시 최소 30일 이상).
DECISION_VOTE_DAYS = 30
COMMITTEE_ACCEPTED = frozenset({Decision.ACCEPT, Decision.PARTIAL})


class AgendaStatus(StrEnum):
    SCORING = "scoring"  # 1차 심의
    NOT_SELECTED = "not_selected"
    PLANNING = "planning"  # 2차 심의: the plan is being written (or revised)
    AWAITING_VERDICT = "awaiting_verdict"  # 3차 심의: the executing department judges it
    VOTING = "voting"  # 적정: the decision vote is open
    DISCARDED = "discarded"  # 폐기
    EXECUTING = "executing"  # the vote passed (or execution began)
    REJECTED = "rejected"  # the decision vote failed


# What the public lists as decisions (결정): selected items from the plan on, and how they ended.
DECIDING = (
    AgendaStatus.PLANNING,
    AgendaStatus.AWAITING_VERDICT,
    AgendaStatus.VOTING,
    AgendaStatus.EXECUTING,
    AgendaStatus.REJECTED,
    AgendaStatus.DISCARDED,
)


class BudgetTrack(StrEnum):
    NON_BUDGET = "non_budget"  # 비예산: starts at once
    OWN_BUDGET = "own_budget"  # 자체예산: the department's own budget
    PARTICIPATORY = "participatory_budget"  # 시민참여예산 request


BUDGET_TRACK_KO = {
    BudgetTrack.NON_BUDGET: "비예산",
    BudgetTrack.OWN_BUDGET: "자체예산",
    BudgetTrack.PARTICIPATORY: "시민참여예산",
}


class Verdict(StrEnum):
    FIT = "fit"  # 적정
    REVISE = "revise"  # 수정
    DISCARD = "discard"  # 폐기


VERDICT_KO = {Verdict.FIT: "적정", Verdict.REVISE: "수정", Verdict.DISCARD: "폐기"}


class AgendaState(Conflict):
    code = "invalid_state"


@dataclass
class ScoreSheet:
    member_account: str
    scores: dict[str, int]
    comment: str
    at: datetime

    @property
    def total(self) -> int:
        return sum(self.scores.values())


@dataclass
class Plan:
    revision: int
    direction: str  # 추진방향
    detail: str  # 세부계획
    budget_krw: int
    budget_track: BudgetTrack
    department_id: str  # 실행부서
    department_name: str
    submitted_by: str
    submitted_at: datetime


@dataclass
class AgendaEntry:
    at: datetime
    kind: str
    actor_account: str
    actor_role: str
    note: str = ""


@dataclass
class Agenda:
    id: str
    agency: str
    item_id: str
    item_title: str
    case_id: str
    department_id: str  # the department that accepted the proposal
    department_name: str
    flagged_by: str
    opened_at: datetime
    status: AgendaStatus = AgendaStatus.SCORING
    sheets: dict[str, ScoreSheet] = field(default_factory=dict)
    average_score: float | None = None
    rank: int | None = None
    selected_at: datetime | None = None
    plan: Plan | None = None
    verdict_due_at: datetime | None = None
    verdict_escalated_at: datetime | None = None  # the 10 days passed; told once per plan
    verdict: Verdict | None = None
    verdict_reason: str = ""
    verdict_by: str | None = None
    verdict_at: datetime | None = None
    closed_reason: str = ""
    timeline: list[AgendaEntry] = field(default_factory=list)
    version: int = 0

    @classmethod
    def flag(cls, *, agenda_id: str, case: ReviewCase, by: Caller, now: datetime) -> Agenda:
        """이슈 등록: only a published answer that accepted the proposal (수용, 부분수용) qualifies."""
        if case.status != Status.PUBLISHED or case.answer is None:
            raise AgendaState(
                "only a case whose answer is published can go to the committee", details={"status": case.status.value}
            )
        if case.answer.decision not in COMMITTEE_ACCEPTED:
            raise Invalid(
                "only an accepted (수용) or partly accepted (부분수용) proposal goes to the committee",
                code="not_accepted",
            )
        assert case.department_id is not None
        agenda = cls(
            id=agenda_id,
            agency=case.agency,
            item_id=case.item_id,
            item_title=case.item_title,
            case_id=case.id,
            department_id=case.department_id,
            department_name=case.department_name,
            flagged_by=by.account_id,
            opened_at=now,
        )
        agenda._log(now, "flagged", by, case.department_name)
        return agenda

    # -- 1차 심의 ------------------------------------------------------------------------------

    def score(self, by: Caller, scores: Mapping[str, int], comment: str, now: datetime) -> ScoreSheet:
        self._expect("score", AgendaStatus.SCORING)
        sheet = ScoreSheet(by.account_id, validate_scores(scores), comment.strip(), now)
        revised = by.account_id in self.sheets
        self.sheets[by.account_id] = sheet
        self.average_score = average_total(self.sheets.values())
        self._log(now, "rescored" if revised else "scored", by, f"{sheet.total}/{MAX_TOTAL}")
        return sheet

    def decide_selection(self, by: Caller, selected: bool, rank: int, now: datetime) -> None:
        self._expect("select", AgendaStatus.SCORING)
        self.rank = rank
        self.selected_at = now
        self.status = AgendaStatus.PLANNING if selected else AgendaStatus.NOT_SELECTED
        score = f"{self.average_score or 0:.2f}/{MAX_TOTAL}"
        if not selected:
            self.closed_reason = f"1차 심의 점수 {score} (순위 {rank})로 선정되지 않았습니다"
        self._log(now, "selected" if selected else "not_selected", by, score)

    # -- 2차 심의 ------------------------------------------------------------------------------

    def submit_plan(
        self,
        by: Caller,
        *,
        direction: str,
        detail: str,
        budget_krw: int,
        budget_track: BudgetTrack,
        department_id: str,
        department_name: str,
        now: datetime,
    ) -> Plan:
        self._expect("write the plan of", AgendaStatus.PLANNING)
        if budget_track == BudgetTrack.NON_BUDGET and budget_krw != 0:
            raise Invalid("a non-budget (비예산) plan has no budget", code="budget_mismatch")
        if budget_track != BudgetTrack.NON_BUDGET and budget_krw <= 0:
            raise Invalid("a budget plan needs its budget in KRW", code="budget_mismatch")
        self.plan = Plan(
            revision=(self.plan.revision + 1) if self.plan else 1,
            direction=_required(direction, "the direction (추진방향)"),
            detail=_required(detail, "the detailed plan (세부계획)"),
            budget_krw=budget_krw,
            budget_track=budget_track,
            department_id=department_id,
            department_name=department_name,
            submitted_by=by.account_id,
            submitted_at=now,
        )
        self.status = AgendaStatus.AWAITING_VERDICT
        self.verdict_due_at = now + timedelta(days=VERDICT_DAYS)
        self.verdict_escalated_at = None
        self.verdict = None
        self.verdict_reason = ""
        self._log(now, "plan_submitted", by, f"{self.plan.revision}차 {BUDGET_TRACK_KO[budget_track]}")
        return self.plan

    # -- 3차 심의 ------------------------------------------------------------------------------

    def give_verdict(self, by: Caller, verdict: Verdict, reason: str, now: datetime) -> bool:
        """The executing department's verdict; True when it came after the 10-day deadline."""
        self._expect("judge", AgendaStatus.AWAITING_VERDICT)
        why = reason.strip()
        if verdict != Verdict.FIT and not why:
            raise Invalid(f"{VERDICT_KO[verdict]} ({verdict.value}) needs a reason", code="reason_required")
        self.verdict, self.verdict_reason, self.verdict_by, self.verdict_at = verdict, why, by.account_id, now
        self.status = {
            Verdict.FIT: AgendaStatus.VOTING,
            Verdict.REVISE: AgendaStatus.PLANNING,
            Verdict.DISCARD: AgendaStatus.DISCARDED,
        }[verdict]
        if verdict == Verdict.DISCARD:
            self.closed_reason = why
        self._log(now, f"verdict_{verdict.value}", by, why)
        return self.verdict_overdue(now)

    def verdict_overdue(self, now: datetime) -> bool:
        return self.verdict_due_at is not None and now > self.verdict_due_at

    @property
    def check_at(self) -> datetime | None:
        """When the deadline scan next needs this item: its verdict's due time, until escalated."""
        if self.status == AgendaStatus.AWAITING_VERDICT and self.verdict_escalated_at is None:
            return self.verdict_due_at
        return None

    def escalate_verdict(self, now: datetime) -> bool:
        """The 10 days passed without a verdict: True the first time for this plan (escalate)."""
        due = self.check_at
        if due is None or now <= due:
            return False
        self.verdict_escalated_at = now
        self.timeline.append(AgendaEntry(now, "verdict_overdue", "system", "system", f"{VERDICT_DAYS}일 경과"))
        return True

    def vote_decided(self, passed: bool, now: datetime, summary: str) -> bool:
        """The decision vote's result; False when it was applied already (or nothing waits for it)."""
        if self.status != AgendaStatus.VOTING:
            return False
        self.status = AgendaStatus.EXECUTING if passed else AgendaStatus.REJECTED
        if not passed:
            self.closed_reason = summary
        self.timeline.append(AgendaEntry(now, "vote_passed" if passed else "vote_failed", "system", "system", summary))
        return True

    # -- helpers -------------------------------------------------------------------------------

    def _expect(self, action: str, *allowed: AgendaStatus) -> None:
        if self.status not in allowed:
            raise AgendaState(
                f"cannot {action} an agenda item that is {self.status.value}",
                details={"status": self.status.value, "allowed_from": [s.value for s in allowed]},
            )

    def _log(self, at: datetime, kind: str, by: Caller, note: str) -> None:
        self.timeline.append(AgendaEntry(at, kind, by.account_id, by.role.value, note))


def _required(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Invalid(f"{what} is required", code="field_required")
    return cleaned


def validate_scores(scores: Mapping[str, int]) -> dict[str, int]:
    missing = sorted(set(CRITERIA) - set(scores))
    unknown = sorted(set(scores) - set(CRITERIA))
    if missing or unknown:
        raise Invalid(
            "score each of the four criteria, and only them",
            code="invalid_scores",
            details={"missing": missing, "unknown": unknown, "criteria": list(CRITERIA)},
        )
    bad = {k: v for k, v in scores.items() if not SCORE_MIN <= v <= SCORE_MAX}
    if bad:
        raise Invalid(f"each score is {SCORE_MIN}..{SCORE_MAX}", code="invalid_scores", details={"out_of_range": bad})
    return {k: int(scores[k]) for k in CRITERIA}


def average_total(sheets: Iterable[ScoreSheet]) -> float | None:
    totals = [s.total for s in sheets]
    return round(sum(totals) / len(totals), 2) if totals else None


@dataclass(frozen=True)
class SelectionRule:
    """How a round selects: the best `top_n` by mean total, each with at least `min_average` and
    `min_scorers` sheets. Ties on the mean go to the item with more sheets, then the older one."""

    top_n: int
    min_average: float
    min_scorers: int


def rank_agendas(agendas: Sequence[Agenda], rule: SelectionRule) -> list[tuple[Agenda, int, bool]]:
    """(agenda, rank, selected) for each scored item, best first. An item nobody scored yet
    waits for the next round rather than be turned down unread."""
    ordered = sorted(
        (a for a in agendas if a.status == AgendaStatus.SCORING and a.sheets),
        key=lambda a: (-(a.average_score or 0.0), -len(a.sheets), a.opened_at, a.id),
    )
    out: list[tuple[Agenda, int, bool]] = []
    chosen = 0
    for rank, agenda in enumerate(ordered, start=1):
        eligible = len(agenda.sheets) >= rule.min_scorers and (agenda.average_score or 0.0) >= rule.min_average
        selected = eligible and chosen < rule.top_n
        chosen += selected
        out.append((agenda, rank, selected))
    return out
