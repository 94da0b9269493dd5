"""The committee's and execution's steps as the item's page and public timeline show them (in
Korean), and the item's civic stage they move it to: committee → decision → execution → executed.

Entry ids are natural keys (item + step), so a step written twice is one entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gongnon_contracts import EventData
from gongnon_contracts.events import (
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionReportPublished,
    ExecutionStarted,
)
from gongnon_contracts.events.committee import CIVIC_EVENTS
from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain.timeline import TimelineEntry

__all__ = ["CIVIC_EVENTS", "civic_step"]

TRACK_KO = {"non_budget": "비예산", "own_budget": "자체예산", "participatory_budget": "시민참여예산"}
VERDICT_KO = {"fit": "적정", "revise": "수정", "discard": "폐기"}


def _won(krw: int) -> str:
    return f"{krw:,}원"


def civic_step(ev: EventData, sent_at: datetime) -> tuple[TimelineEntry, dict[str, Any]] | None:
    """(timeline entry, fields of the item's `civic` record to set) for a committee or execution
    event; None for any other event. `sent_at` dates an event that carries no time of its own."""
    match ev:
        case CommitteeAgendaOpened():
            return _entry(
                ev.item_id,
                f"committee:{ev.agenda_id}:opened",
                ev.opened_at,
                ev.TYPE,
                ActorRole.OPERATOR,
                "제안실현위원회 안건으로 등록되었습니다 (1차 심의: 당위성·변화성·실행성·파급성).",
                {"agenda_id": ev.agenda_id},
            ), {"stage": "committee", "committee_status": "scoring", "agenda_id": ev.agenda_id}
        case CommitteeSelectionDecided():
            result = "선정되었습니다" if ev.selected else "선정되지 않았습니다"
            return _entry(
                ev.item_id,
                f"committee:{ev.agenda_id}:selection",
                ev.decided_at,
                ev.TYPE,
                ActorRole.OPERATOR,
                f"제안실현위원회 1차 심의에서 {result}: 평균 {ev.average_score:.2f}점/20점, 위원 {ev.scorers}명, "
                f"{ev.rank}위.",
                {"selected": ev.selected, "average_score": ev.average_score, "scorers": ev.scorers, "rank": ev.rank},
            ), {"committee_status": "planning" if ev.selected else "not_selected", "average_score": ev.average_score}
        case CommitteePlanSubmitted():
            budget = TRACK_KO.get(ev.budget_track, ev.budget_track)
            if ev.budget_krw:
                budget = f"{budget} {_won(ev.budget_krw)}"
            return _entry(
                ev.item_id,
                f"committee:{ev.agenda_id}:plan:{ev.revision}",
                sent_at,
                ev.TYPE,
                ActorRole.COMMITTEE,
                f"실행계획서({ev.revision}차)가 작성되었습니다: {ev.direction} ({budget}). "
                f"실행부서 {ev.department_name}이(가) {ev.verdict_due_at:%Y-%m-%d}까지 적정성을 검토합니다.",
                {
                    "revision": ev.revision,
                    "direction": ev.direction,
                    "budget_krw": ev.budget_krw,
                    "budget_track": ev.budget_track,
                    "department_name": ev.department_name,
                    "verdict_due_at": ev.verdict_due_at,
                },
            ), {
                "committee_status": "awaiting_verdict",
                "budget_krw": ev.budget_krw,
                "budget_track": ev.budget_track,
                "department_name": ev.department_name,
            }
        case CommitteeVerdictGiven():
            verdict = VERDICT_KO.get(ev.verdict, ev.verdict)
            then = {
                "fit": "결정 투표가 열립니다.",
                "revise": "실행계획서를 다시 작성합니다.",
                "discard": "제안은 종료됩니다.",
            }.get(ev.verdict, "")
            why = f" 사유: {ev.reason}" if ev.reason else ""
            status = {"fit": "voting", "revise": "planning", "discard": "discarded"}.get(ev.verdict, ev.verdict)
            stage = "decision" if ev.verdict == "fit" else ("closed" if ev.verdict == "discard" else "committee")
            return _entry(
                ev.item_id,
                f"committee:{ev.agenda_id}:verdict:{ev.decided_at.isoformat()}",
                ev.decided_at,
                ev.TYPE,
                ActorRole.OFFICER,
                f"실행부서 {ev.department_name}의 적정성 검토 결과: {verdict}. {then}{why}",
                {"verdict": ev.verdict, "reason": ev.reason, "late": ev.late},
            ), {"stage": stage, "committee_status": status, "verdict": ev.verdict}
        case CommitteeVerdictOverdue():
            return _entry(
                ev.item_id,
                f"committee:{ev.agenda_id}:overdue:{ev.revision}",
                sent_at,
                ev.TYPE,
                ActorRole.SYSTEM,
                f"실행부서 {ev.department_name}의 적정성 검토 기한({ev.verdict_due_at:%Y-%m-%d})이 지났습니다.",
                {"revision": ev.revision, "verdict_due_at": ev.verdict_due_at},
            ), {"verdict_overdue": True}
        case ExecutionStarted():
            budgeting = ev.status == "budgeting"
            track = TRACK_KO.get(ev.budget_track, ev.budget_track)
            text = (
                f"실행이 결정되었습니다. {ev.department_name}이(가) "
                f"예산({track} {_won(ev.budget_krw)})을 확보하는 중입니다."
                if budgeting
                else f"{ev.department_name}이(가) 실행을 시작했습니다 ({ev.budget_source or track})."
            )
            return _entry(
                ev.item_id,
                f"execution:{ev.status}",
                ev.at,
                ev.TYPE,
                ActorRole.OFFICER,
                text,
                {"status": ev.status, "budget_track": ev.budget_track, "budget_source": ev.budget_source},
            ), {"stage": "execution", "execution_status": ev.status, "progress_pct": 0}
        case ExecutionProgressed():
            return _entry(
                ev.item_id,
                f"execution:milestone:{ev.milestone_id}",
                ev.at,
                ev.TYPE,
                ActorRole.OFFICER,
                f"실행 경과: {ev.title} (진행률 {ev.progress_pct}%).",
                {"title": ev.title, "progress_pct": ev.progress_pct},
            ), {"progress_pct": ev.progress_pct}
        case ExecutionReportPublished():
            what = "실행 결과서" if ev.final else "실행 경과 보고서"
            files = f", 첨부 {ev.attachments}건" if ev.attachments else ""
            return _entry(
                ev.item_id,
                f"execution:report:{ev.report_id}",
                ev.at,
                ev.TYPE,
                ActorRole.OFFICER,
                f"{what}가 공개되었습니다: {ev.title}{files}.",
                {"report_id": ev.report_id, "title": ev.title, "final": ev.final},
            ), {}
        case ExecutionCompleted():
            return _entry(
                ev.item_id,
                "execution:completed",
                ev.completed_at,
                ev.TYPE,
                ActorRole.OFFICER,
                f"실행이 완료되었습니다 ({ev.department_name}).",
                {"report_id": ev.report_id},
            ), {"stage": "executed", "execution_status": "completed", "progress_pct": 100}
    return None


def _entry(
    item_id: str, key: str, at: datetime, kind: str, role: ActorRole, summary: str, data: dict[str, Any]
) -> TimelineEntry:
    entry_id = f"{item_id}:{key}"
    return TimelineEntry(id=entry_id, item_id=item_id, at=at, kind=kind, actor_role=role, summary=summary, data=data)
