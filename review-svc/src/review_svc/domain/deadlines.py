"""Deadlines: two reminders before the due date (D-3, then D-day), then overdue (escalation)
once. Each case keeps the next moment it needs looking at, so the periodic scan only reads cases
with work to do, and each reminder is recorded in the case in the same transaction as its event,
so it fires once however often the scan runs or the service restarts.

- D-3: three days before the due instant.
- D-day: the start of the due date in Korea (00:00 KST), the day the answer is due.
A reminder whose moment came before the case opened is not sent (the opening notice is fresh),
and one whose moment passed unseen (the service was down) is sent late only while it is still
news: D-3 not once D-day has come, neither once the case is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from gongnon_contracts.reference import KST
from review_svc.domain.cases import ReviewCase

REMINDER_LEAD = timedelta(days=3)
REMINDER_KIND = "d-3"
DDAY_KIND = "d-day"


class DeadlineAction(StrEnum):
    REMIND = "remind"
    OVERDUE = "overdue"


def dday_start(due_at: datetime) -> datetime:
    """00:00 KST of the due date."""
    local = due_at.astimezone(KST)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def reminder_times(case: ReviewCase) -> list[tuple[str, datetime]]:
    """(kind, moment) of each reminder this case gets, in order."""
    times = [(REMINDER_KIND, case.due_at - REMINDER_LEAD), (DDAY_KIND, dday_start(case.due_at))]
    return [(kind, at) for kind, at in times if case.opened_at < at < case.due_at]


def reminder_at(case: ReviewCase) -> datetime | None:
    """The D-3 reminder's moment (None: the case opened inside the window)."""
    return next((at for kind, at in reminder_times(case) if kind == REMINDER_KIND), None)


def _pending(case: ReviewCase) -> list[tuple[str, datetime]]:
    return [(kind, at) for kind, at in reminder_times(case) if not case.reminded(kind)]


def next_check_at(case: ReviewCase) -> datetime | None:
    if case.is_published or case.overdue:
        return None
    pending = _pending(case)
    return pending[0][1] if pending else case.due_at


def due_reminder(case: ReviewCase, now: datetime) -> str | None:
    """The reminder to send now: the latest one whose moment has come (an earlier one missed
    while the service was down says less than the later one, so it is skipped)."""
    came = [(kind, at) for kind, at in reminder_times(case) if at <= now]
    if not came:
        return None
    kind = came[-1][0]
    return None if case.reminded(kind) else kind


def due_action(case: ReviewCase, now: datetime) -> DeadlineAction | None:
    if case.is_published or case.overdue:
        return None
    if now >= case.due_at:
        return DeadlineAction.OVERDUE  # a reminder after the deadline would say nothing new
    return DeadlineAction.REMIND if due_reminder(case, now) else None


def apply_deadline(case: ReviewCase, now: datetime) -> DeadlineAction | None:
    """Apply what is due now. After REMIND, the case's last reminder is the one to send."""
    action = due_action(case, now)
    if action == DeadlineAction.OVERDUE:
        case.mark_overdue(now)
    elif action == DeadlineAction.REMIND:
        kind = due_reminder(case, now)
        assert kind is not None
        # An earlier reminder skipped as stale is recorded as passed (not sent), so the case's
        # next check moves on; recorded first, so the last reminder is the one sent.
        for earlier, at in reminder_times(case):
            if at < now and earlier != kind and not case.reminded(earlier):
                case.record_reminder(earlier, now, sent=False)
        case.record_reminder(kind, now)
    return action
