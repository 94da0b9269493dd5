"""JSON shapes of the committee's agenda items and of executions: what staff see, and what the
public sees (no member's own sheet, no account ids)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from review_svc.domain.committee import BUDGET_TRACK_KO, CRITERIA, MAX_TOTAL, VERDICT_KO, Agenda
from review_svc.domain.execution import Execution, Report


def _criteria_means(a: Agenda) -> dict[str, float]:
    if not a.sheets:
        return {}
    n = len(a.sheets)
    return {k: round(sum(s.scores[k] for s in a.sheets.values()) / n, 2) for k in CRITERIA}


def _plan(a: Agenda) -> dict[str, Any] | None:
    p = a.plan
    if p is None:
        return None
    return {
        "revision": p.revision,
        "direction": p.direction,
        "detail": p.detail,
        "budget_krw": p.budget_krw,
        "budget_track": p.budget_track.value,
        "budget_track_label": BUDGET_TRACK_KO[p.budget_track],
        "department_id": p.department_id,
        "department_name": p.department_name,
        "submitted_at": p.submitted_at,
    }


def public_agenda(a: Agenda, now: datetime) -> dict[str, Any]:
    return {
        "id": a.id,
        "agency": a.agency,
        "item_id": a.item_id,
        "item_title": a.item_title,
        "status": a.status.value,
        "department_id": a.department_id,
        "department_name": a.department_name,
        "opened_at": a.opened_at,
        "scorers": len(a.sheets),
        "average_score": a.average_score,
        "max_score": MAX_TOTAL,
        "criteria": {k: {"label": v, "average": _criteria_means(a).get(k)} for k, v in CRITERIA.items()},
        "rank": a.rank,
        "selected_at": a.selected_at,
        "plan": _plan(a),
        "verdict_due_at": a.verdict_due_at,
        "verdict_overdue": a.verdict is None and a.verdict_overdue(now),
        "verdict": a.verdict.value if a.verdict else None,
        "verdict_label": VERDICT_KO[a.verdict] if a.verdict else None,
        "verdict_reason": a.verdict_reason or None,
        "verdict_at": a.verdict_at,
        "closed_reason": a.closed_reason or None,
        "timeline": [{"at": t.at, "kind": t.kind, "role": t.actor_role, "note": t.note} for t in a.timeline],
    }


def staff_agenda(a: Agenda, now: datetime, viewer: str) -> dict[str, Any]:
    """The public view plus the caller's own score sheet (members revise theirs until selection)."""
    mine = a.sheets.get(viewer)
    return {
        **public_agenda(a, now),
        "case_id": a.case_id,
        "flagged_by": a.flagged_by,
        "my_sheet": None
        if mine is None
        else {"scores": mine.scores, "total": mine.total, "comment": mine.comment, "at": mine.at},
        "version": a.version,
    }


def _report(item_id: str, r: Report) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "body": r.body,
        "final": r.final,
        "at": r.at,
        "attachments": [
            {
                "id": m.id,
                "filename": m.filename,
                "media_type": m.media_type,
                "size": m.size,
                "url": f"/api/items/{item_id}/execution/files/{m.id}",
            }
            for m in r.attachments
        ],
    }


def execution_view(e: Execution) -> dict[str, Any]:
    return {
        "item_id": e.item_id,
        "agency": e.agency,
        "item_title": e.item_title,
        "department_id": e.department_id,
        "department_name": e.department_name,
        "budget_krw": e.budget_krw,
        "budget_track": e.budget_track.value,
        "budget_track_label": BUDGET_TRACK_KO[e.budget_track],
        "budget_source": e.budget_source or None,
        "status": e.status.value,
        "opened_at": e.opened_at,
        "started_at": e.started_at,
        "progress_pct": e.progress_pct,
        "milestones": [
            {"id": m.id, "title": m.title, "progress_pct": m.progress_pct, "note": m.note, "at": m.at}
            for m in e.milestones
        ],
        "reports": [_report(e.item_id, r) for r in e.reports],
        "completed_at": e.completed_at,
    }
