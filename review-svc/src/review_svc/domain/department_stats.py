"""Departments accountable in public (부서별 답변 현황): per department, how many cases it had, how
many it answered, how many on time, the median days to answer and what is overdue right now.

"Answered" is the answer the public can read (published after the operator's approval); whether
it was on time, and how long it took, is measured to the department's own submission of that
answer, since approval is the operator's step, not the department's. A reassigned case counts
for the department that holds it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

DAY_S = 86_400.0


@dataclass(frozen=True)
class CaseFacts:
    department_id: str
    department_name: str
    opened_at: datetime
    due_at: datetime
    published: bool
    submitted_at: datetime | None  # the department's answer, if any


@dataclass(frozen=True)
class DepartmentStats:
    department_id: str
    department_name: str
    cases: int
    answered: int
    answered_on_time: int
    on_time_pct: float | None  # of the answered; None: nothing answered yet
    median_days_to_answer: float | None
    open_now: int
    overdue_now: int


def department_stats(cases: Iterable[CaseFacts], now: datetime) -> list[DepartmentStats]:
    """One row per department that had a case, most cases first (ties by name)."""
    by_dept: dict[str, list[CaseFacts]] = {}
    for c in cases:
        by_dept.setdefault(c.department_id, []).append(c)
    rows = [_row(dept, facts, now) for dept, facts in by_dept.items()]
    return sorted(rows, key=lambda r: (-r.cases, r.department_name, r.department_id))


def _row(department_id: str, facts: list[CaseFacts], now: datetime) -> DepartmentStats:
    answered = [c for c in facts if c.published and c.submitted_at is not None]
    on_time = [c for c in answered if c.submitted_at is not None and c.submitted_at <= c.due_at]
    days = [(c.submitted_at - c.opened_at).total_seconds() / DAY_S for c in answered if c.submitted_at]
    still_open = [c for c in facts if not c.published]
    return DepartmentStats(
        department_id=department_id,
        department_name=facts[-1].department_name,
        cases=len(facts),
        answered=len(answered),
        answered_on_time=len(on_time),
        on_time_pct=round(100.0 * len(on_time) / len(answered), 1) if answered else None,
        median_days_to_answer=round(median(days), 1) if days else None,
        open_now=len(still_open),
        # Past due with no answer from the department (one awaiting approval is the operator's).
        overdue_now=sum(1 for c in still_open if c.submitted_at is None and now > c.due_at),
    )
