"""What the HTTP API shows of debates and consultations (JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gongnon_contracts.reference import POLICY_CATEGORIES
from proposal_svc.domain.deliberation import (
    KIND_KO,
    STATUS_KO,
    VOTE_TYPE_KO,
    BallotSpec,
    Deliberation,
    result_rows,
)
from proposal_svc.domain.proposal import days_left
from proposal_svc.entrypoints.views import excerpt, review_cases
from proposal_svc.service_layer.pages import Page


def ballot(spec: BallotSpec) -> dict[str, Any]:
    def opts(options: Any) -> list[dict[str, str]]:
        return [{"id": o.id, "label": o.label} for o in options]

    return {
        "vote_type": spec.vote_type.value,
        "vote_type_label": VOTE_TYPE_KO[spec.vote_type],
        "options": opts(spec.options),
        "questions": [{"id": q.id, "label": q.label, "options": opts(q.options)} for q in spec.questions],
        "max_choices": spec.max_choices,
    }


def card(d: Deliberation, now: datetime) -> dict[str, Any]:
    status = d.status(now)
    return {
        "id": d.id,
        "kind": d.kind.value,
        "kind_label": KIND_KO[d.kind],
        "agency": d.agency,
        "title": d.title,
        "excerpt": excerpt(d.body),
        "category": d.category,
        "category_label": {"key": d.category, **POLICY_CATEGORIES.get(d.category, {"ko": d.category})},
        "department_id": d.department_id,
        "vote_type": d.ballot.vote_type.value,
        "vote_type_label": VOTE_TYPE_KO[d.ballot.vote_type],
        "status": status.value,
        "status_label": STATUS_KO[status],
        "opens_at": d.period.opens_at,
        "closes_at": d.period.closes_at,
        "days_left": days_left(d.period.closes_at, now) if d.result is None else None,
        "participants": d.participants,
        "source_item_id": d.source_item_id,
        "created_at": d.created_at,
    }


def card_page(page: Page[Deliberation]) -> dict[str, Any]:
    assert page.now is not None
    return {"items": [card(d, page.now) for d in page.items], "next_cursor": page.next_cursor}


def results(d: Deliberation, now: datetime) -> dict[str, Any]:
    """The published result (bars per option with counts and %); nothing before the close."""
    out: dict[str, Any] = {
        "item_id": d.id,
        "kind": d.kind.value,
        "vote_type": d.ballot.vote_type.value,
        "status": d.status(now).value,
        "published": d.result is not None,
        "closes_at": d.period.closes_at,
        "closed_at": None,
        "published_at": None,
        "total": None,
        "options": [],
        "questions": [],
    }
    if d.result is not None:
        out.update(result_rows(d.ballot, d.result))
        out["closed_at"] = d.result.closed_at
        out["published_at"] = d.result.published_at
    return out


def detail(d: Deliberation, now: datetime) -> dict[str, Any]:
    return {
        **card(d, now),
        "body": d.body,
        "ballot": ballot(d.ballot),
        "answer_due_days": d.answer_due_days,
        "created_by": d.created_by,
        "results": results(d, now),
        "cases": review_cases(d.cases),
    }
