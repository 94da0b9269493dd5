"""What the site shows of the committee (제안실현위원회), the decision vote (결정) and execution
(실행): plain view objects built from the services' JSON, so templates stay simple.

Labels stay Korean here and the templates translate them; budgets stay numbers, and the
templates write them ("{amount}원", 비예산 when there is none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gongnon_gateway.site.views import fmt_date, fmt_time

AGENDA_STATUS_KO = {
    "scoring": "1차 심의 중",
    "not_selected": "선정되지 않음",
    "planning": "실행계획 작성 중",
    "awaiting_verdict": "실행부서 검토 중",
    "voting": "결정 투표 중",
    "discarded": "폐기됨",
    "executing": "실행 결정",
    "rejected": "투표 부결",
}
EXECUTION_STATUS_KO = {"budgeting": "예산 확보 중", "in_progress": "실행 중", "completed": "실행 완료"}
# review-svc's labels (budget_track_label, the criteria's labels): the pages translate what the
# service sends, so each has its English in the catalogue.
TRACK_LABELS = {"non_budget": "비예산", "own_budget": "자체예산", "participatory_budget": "시민참여예산"}
# The verdict by its key: the site says 폐기됨 (discarded) where review-svc's label says 폐기, a
# word the catalogue already gives the console (a key's "revoke").
VERDICT_LABELS = {"fit": "적정", "revise": "수정", "discard": "폐기됨"}
CRITERIA_LABELS = {"necessity": "당위성", "changeability": "변화성", "feasibility": "실행성", "impact": "파급성"}
# Why an agenda item closed, for the English page (review-svc writes the reason in Korean);
# a discarded item's reason is the department's own words and is shown as written.
CLOSED_NOTES = {
    "not_selected": "제안실현위원회 1차 심의에서 선정되지 않았습니다.",
    "rejected": "결정 투표에서 부결되었습니다.",
}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class AgendaView:
    item_id: str
    title: str
    status: str
    status_label: str
    average: str
    scorers: int
    criteria: list[tuple[str, str]]
    direction: str
    detail: str
    budget_krw: int
    track: str
    department: str
    verdict: str
    verdict_reason: str
    verdict_due: str
    verdict_overdue: bool
    closed_reason: str
    closed_note: str = ""

    @classmethod
    def of(cls, d: dict[str, Any]) -> AgendaView:
        found = d.get("plan")
        plan: dict[str, Any] = found if isinstance(found, dict) else {}
        avg = d.get("average_score")
        criteria = []
        for c in (d.get("criteria") or {}).values():
            if isinstance(c, dict) and c.get("average") is not None:
                criteria.append((str(c.get("label") or ""), f"{float(c['average']):.1f}"))
        status = str(d.get("status") or "")
        return cls(
            item_id=str(d.get("item_id") or ""),
            title=str(d.get("item_title") or ""),
            status=status,
            status_label=AGENDA_STATUS_KO.get(status, status),
            average=f"{float(avg):.1f}" if avg is not None else "",
            scorers=_int(d.get("scorers")),
            criteria=criteria,
            direction=str(plan.get("direction") or ""),
            detail=str(plan.get("detail") or ""),
            budget_krw=_int(plan.get("budget_krw")),
            track=str(plan.get("budget_track_label") or ""),
            department=str(plan.get("department_name") or d.get("department_name") or ""),
            verdict=VERDICT_LABELS.get(str(d.get("verdict") or ""), str(d.get("verdict_label") or "")),
            verdict_reason=str(d.get("verdict_reason") or ""),
            verdict_due=fmt_date(d.get("verdict_due_at")),
            verdict_overdue=bool(d.get("verdict_overdue")),
            closed_reason=str(d.get("closed_reason") or ""),
            closed_note=CLOSED_NOTES.get(status, ""),
        )


@dataclass(frozen=True)
class DecisionVoteView:
    ballot_id: str
    open: bool
    budget_krw: int
    quorum: int
    closes: str
    yes: int
    no: int
    turnout: int
    passed: bool | None

    @classmethod
    def of(cls, d: dict[str, Any] | None) -> DecisionVoteView | None:
        if not isinstance(d, dict):
            return None
        decided = d.get("status") == "decided"
        return cls(
            ballot_id=str(d.get("item_id") or ""),
            open=d.get("status") == "open",
            budget_krw=_int(d.get("budget_krw")),
            quorum=_int(d.get("quorum")),
            closes=fmt_time(d.get("closes_at")),
            yes=_int(d.get("yes")),
            no=_int(d.get("no")),
            turnout=_int(d.get("turnout")),
            passed=bool(d.get("passed")) if decided else None,
        )


@dataclass(frozen=True)
class AttachmentView:
    name: str
    url: str
    size_kb: int


@dataclass(frozen=True)
class ReportView:
    title: str
    body: str
    at: str
    final: bool
    attachments: list[AttachmentView] = field(default_factory=list)


@dataclass(frozen=True)
class ExecutionView:
    item_id: str
    title: str
    status: str
    status_label: str
    department: str
    budget_krw: int
    track: str
    source: str
    progress: int
    started: str
    completed: str
    milestones: list[tuple[str, str, int]]
    reports: list[ReportView]

    @classmethod
    def of(cls, d: dict[str, Any]) -> ExecutionView:
        status = str(d.get("status") or "")
        reports = []
        for r in d.get("reports") or []:
            if not isinstance(r, dict):
                continue
            files = [
                AttachmentView(
                    str(a.get("filename") or ""), str(a.get("url") or ""), max(1, _int(a.get("size")) // 1024)
                )
                for a in r.get("attachments") or []
                if isinstance(a, dict) and str(a.get("url") or "").startswith("/api/items/")
            ]
            reports.append(
                ReportView(
                    str(r.get("title") or ""),
                    str(r.get("body") or ""),
                    fmt_date(r.get("at")),
                    bool(r.get("final")),
                    files,
                )
            )
        return cls(
            item_id=str(d.get("item_id") or ""),
            title=str(d.get("item_title") or ""),
            status=status,
            status_label=EXECUTION_STATUS_KO.get(status, status),
            department=str(d.get("department_name") or ""),
            budget_krw=_int(d.get("budget_krw")),
            track=str(d.get("budget_track_label") or ""),
            source=str(d.get("budget_source") or ""),
            progress=max(0, min(100, _int(d.get("progress_pct")))),
            started=fmt_date(d.get("started_at")),
            completed=fmt_date(d.get("completed_at")),
            milestones=[
                (fmt_date(m.get("at")), str(m.get("title") or ""), _int(m.get("progress_pct")))
                for m in d.get("milestones") or []
                if isinstance(m, dict)
            ],
            reports=reports,
        )
