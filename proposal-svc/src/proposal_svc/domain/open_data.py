"""Open data (공공데이터): what anyone may download about proposals, one flat row per item, the
same in JSON and CSV. Only public facts: no author account, no citizen's name or key; an item
that is private, hidden, trashed, withdrawn or not yet listed is not published at all. Pure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from gongnon_contracts.reference import KST
from proposal_svc.domain.proposal import Proposal

LICENCE = {
    "id": "KOGL-1",
    "name": "공공누리 제1유형 (출처표시) / Korea Open Government License Type 1 (attribution)",
    "url": "https://www.kogl.or.kr/info/license.do",
    "attribution": "공론 Gongnon",
}
PUBLISHED_STATUSES = ("public", "vote_failed")

# Field: (type, description). The order is the CSV's columns.
SCHEMA: dict[str, tuple[str, str]] = {
    "id": ("string", "The item's id (stable)"),
    "agency": ("string", "The agency it is filed under (기관)"),
    "title": ("string", "Title as the author wrote it"),
    "category": ("string", "Policy category key (정책분류, GET /api/meta)"),
    "district": ("string|null", "Seoul district key (자치구), null for city-wide"),
    "created_at": ("datetime", "When it was submitted (ISO 8601, UTC)"),
    "updated_at": ("datetime", "Its last change of stage, answer, vote or execution (for increments)"),
    "stage": ("string", "proposed, supporting, review, answered, closed …"),
    "closed": ("boolean", "Its support window has ended"),
    "support_count": ("integer", "Supports (공감) counted when exported"),
    "debate_participants": ("integer", "Participants of its debate, if any"),
    "milestones": ("integer", "Support thresholds it reached"),
    "answer_department": ("string|null", "The department whose answer is published (부서 답변)"),
    "answer_decision": ("string|null", "accept (수용), partial (부분수용), reject (불수용)"),
    "answer_published_at": ("datetime|null", "When the answer was made public"),
    "decision_vote_yes": ("integer|null", "결정 투표: yes"),
    "decision_vote_no": ("integer|null", "결정 투표: no"),
    "decision_vote_quorum": ("integer|null", "결정 투표: the quorum (from the budget)"),
    "decision_vote_passed": ("boolean|null", "결정 투표: more than 50 % yes and turnout ≥ quorum"),
    "civic_stage": ("string|null", "committee, decision, execution, executed, closed"),
    "execution_progress_pct": ("integer|null", "실행: progress in per cent"),
}
FIELDS = tuple(SCHEMA)


def _published_answer(p: Proposal) -> dict[str, Any] | None:
    answered = [c for c in p.cases.values() if c.get("status") == "published"]
    return max(answered, key=lambda c: str(c.get("published_at") or "")) if answered else None


def row(p: Proposal, updated_at: datetime | None) -> dict[str, Any]:
    answer = _published_answer(p)
    vote = p.decision_vote if isinstance(p.decision_vote, dict) and "passed" in p.decision_vote else None
    civic = p.civic or {}
    return {
        "id": p.id,
        "agency": p.agency,
        "title": p.title,
        "category": p.category,
        "district": p.district,
        "created_at": p.created_at,
        "updated_at": updated_at or p.created_at,
        "stage": p.stage,
        "closed": p.closed_at is not None,
        "support_count": p.support_count,
        "debate_participants": p.debate_participants,
        "milestones": len(p.milestones),
        "answer_department": answer.get("department_name") if answer else None,
        "answer_decision": answer.get("decision") if answer else None,
        "answer_published_at": answer.get("published_at") if answer else None,
        "decision_vote_yes": vote.get("yes") if vote else None,
        "decision_vote_no": vote.get("no") if vote else None,
        "decision_vote_quorum": vote.get("quorum") if vote else None,
        "decision_vote_passed": vote.get("passed") if vote else None,
        "civic_stage": civic.get("stage"),
        "execution_progress_pct": civic.get("progress_pct"),
    }


# --- daily snapshots: the whole dataset as it stood at the start of a day (KST) ---------------
SNAPSHOT_CHUNK = 1000  # rows per stored chunk (a Mongo document stays far below 16 MB)
SNAPSHOT_KEEP_DAYS = 31  # older daily files are dropped; the incremental feed covers the rest


def snapshot_day(now: datetime) -> date:
    """The calendar day (KST) whose snapshot is due at `now`."""
    return now.astimezone(KST).date()


def expired_days(days: list[date], today: date) -> list[date]:
    """Snapshots past the keeping period."""
    return [d for d in days if (today - d).days >= SNAPSHOT_KEEP_DAYS]
