"""Deadlines: one reminder before the due date, then overdue (escalation) once. Each case keeps
the next moment it needs looking at, so the periodic scan only reads cases with work to do."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from review_svc.domain.cases import ReviewCase

REMINDER_LEAD = timedelta(days=3)
REMINDER_KIND = "d-3"


class DeadlineAction(StrEnum):
    REMIND = "remind"
    OVERDUE = "overdue"


def reminder_at(case: ReviewCase) -> datetime | None:
    # A case opened inside the reminder window needs no reminder: the opening notice is fresh.
    at = case.due_at - REMINDER_LEAD
    return at if at > case.opened_at else None


def next_check_at(case: ReviewCase) -> datetime | None:
    if case.is_published or case.overdue:
        return None
    at = reminder_at(case)
    if at is not None and not case.reminded(REMINDER_KIND):
        return at
    return case.due_at


def due_action(case: ReviewCase, now: datetime) -> DeadlineAction | None:
    if case.is_published or case.overdue:
        return None
    if now >= case.due_at:
        return DeadlineAction.OVERDUE  # a reminder after the deadline would say nothing new
    at = reminder_at(case)
    if at is not None and now >= at and not case.reminded(REMINDER_KIND):
        return DeadlineAction.REMIND
    return None


def apply_deadline(case: ReviewCase, now: datetime) -> DeadlineAction | None:
    action = due_action(case, now)
    if action == DeadlineAction.OVERDUE:
        case.mark_overdue(now)
    elif action == DeadlineAction.REMIND:
        case.record_reminder(REMINDER_KIND, now)
    return action
