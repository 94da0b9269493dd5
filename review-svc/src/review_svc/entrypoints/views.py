"""JSON shapes of cases: the full admin view and the public view (answer only once published)."""

from __future__ import annotations

from typing import Any

from review_svc.domain.cases import DECISION_LABELS, ReviewCase
from review_svc.domain.departments import Department


def department_view(d: Department) -> dict[str, Any]:
    return {
        "id": d.id,
        "agency": d.agency,
        "name": d.name,
        "unit": d.unit,
        "kind": d.kind.value,
        "categories": list(d.categories),
        "parent_id": d.parent_id,
        "archived": d.archived,
    }


def admin_view(case: ReviewCase) -> dict[str, Any]:
    a = case.answer
    return {
        "id": case.id,
        "agency": case.agency,
        "item_id": case.item_id,
        "item_title": case.item_title,
        "category": case.category,
        "rule_id": case.rule_id,
        "rule_set_id": case.rule_set_id,
        "action": case.action.value,
        "trigger": case.trigger,
        "status": case.status.value,
        "department_id": case.department_id,
        "department_name": case.department_name,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "overdue": case.overdue,
        "overdue_at": case.overdue_at,
        "reminders": [{"kind": r.kind, "at": r.at, "sent": r.sent} for r in case.reminders],
        "reassign_reason": case.reassign_reason,
        "answer": None
        if a is None
        else {
            "decision": a.decision.value,
            "decision_label": DECISION_LABELS[a.decision],
            "answer": a.text,
            "reason": a.reason,
            "officer_account": a.officer_account,
            "submitted_at": a.submitted_at,
        },
        "approved_by": case.approved_by,
        "published_at": case.published_at,
        "timeline": [
            {
                "at": t.at,
                "kind": t.kind,
                "actor_account": t.actor_account,
                "actor_role": t.actor_role,
                "department_id": t.department_id,
                "note": t.note,
            }
            for t in case.timeline
        ],
        "version": case.version,
    }


def public_view(case: ReviewCase) -> dict[str, Any]:
    """What anyone may see. The department's answer stays private until an operator approves it;
    the deadline and whether it was missed are public from the start."""
    published = case.is_published and case.answer is not None
    a = case.answer if published else None
    return {
        "id": case.id,
        "item_id": case.item_id,
        "department_id": case.department_id,
        "department_name": case.department_name,
        "status": "answered" if published else "in_review",
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "overdue": case.overdue,
        "decision": a.decision.value if a else None,
        "decision_label": DECISION_LABELS[a.decision] if a else None,
        "answer": a.text if a else None,
        "reason": a.reason if a else None,
        "published_at": case.published_at if published else None,
    }
