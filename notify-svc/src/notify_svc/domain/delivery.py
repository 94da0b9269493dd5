"""Deciding how e-mail and SMS go out, without I/O: a person's preferences, whether a message goes
now or into a digest, and when a failed send is tried again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from gongnon_contracts.refusals import Invalid

LANGUAGES = ("ko", "en")
DIGESTS = ("auto", "hourly", "daily")
MAX_ERROR_CHARS = 300


class Status(StrEnum):
    PENDING = "pending"  # due at next_at (a first try, a retry, or a digest's period end)
    SENT = "sent"
    FAILED = "failed"  # given up: a permanent refusal, or every attempt failed
    SKIPPED = "skipped"  # nothing to send to any more (the channel turned off, no address)


class Mode(StrEnum):
    NOW = "now"
    DIGEST = "digest"


@dataclass(frozen=True)
class Preferences:
    """A person's notification settings; the defaults are what someone who never chose gets:
    e-mail on (if the platform knows the address), SMS off, Korean, digest only when busy."""

    email: bool = True
    sms: bool = False
    sms_number: str | None = None
    language: str = "ko"
    digest: str = "auto"

    def wants(self, channel: str) -> bool:
        if channel == "email":
            return self.email
        if channel == "sms":
            return self.sms and bool(self.sms_number)
        return True

    def changed(self, changes: dict[str, Any]) -> Preferences:
        """These preferences with the given changes, checked (422 on a bad value)."""
        unknown = set(changes) - {"email", "sms", "sms_number", "language", "digest"}
        if unknown:
            raise Invalid(f"unknown preferences: {', '.join(sorted(unknown))}", code="invalid_preferences")
        if "language" in changes and changes["language"] not in LANGUAGES:
            raise Invalid(f"language is one of {', '.join(LANGUAGES)}", code="invalid_preferences")
        if "digest" in changes and changes["digest"] not in DIGESTS:
            raise Invalid(f"digest is one of {', '.join(DIGESTS)}", code="invalid_preferences")
        for flag in ("email", "sms"):
            if flag in changes and not isinstance(changes[flag], bool):
                raise Invalid(f"{flag} is true or false", code="invalid_preferences")
        updated = replace(self, **changes)
        if "sms_number" in changes:
            number = (changes["sms_number"] or "").strip()
            updated = replace(updated, sms_number=number or None)
        if updated.sms and not updated.sms_number:
            raise Invalid("SMS needs a number (sms_number)", code="sms_number_required")
        return updated


@dataclass(frozen=True)
class Schedule:
    mode: Mode
    send_at: datetime
    period_start: datetime | None = None  # a digest's period


def period_of(kind: str, at: datetime) -> tuple[datetime, datetime]:
    """The hour (or UTC day) `at` falls in: [start, end)."""
    if kind == "daily":
        start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    start = at.replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def schedule_mail(*, direct: bool, prefs: Preferences, item_followers: int, threshold: int, now: datetime) -> Schedule:
    """Now, or in the digest of the current period. Messages addressed to someone for their role
    (a deadline reminder) always go now; news of followed items go into the digest when the
    person asked for one, or ("auto") when the item has `threshold` followers or more, so that
    thousands of followers get one e-mail per hour instead of one per event."""
    digest = prefs.digest
    if direct or (digest == "auto" and item_followers < threshold):
        return Schedule(Mode.NOW, now)
    start, end = period_of("daily" if digest == "daily" else "hourly", now)
    return Schedule(Mode.DIGEST, end, start)


def is_permanent(code: int | None) -> bool:
    """An SMTP reply that will not change if tried again (5xx): give that address up at once."""
    return code is not None and 500 <= code < 600


def retry_delay(failures: int, base_s: float, cap_s: float) -> float:
    """The wait after the `failures`-th failed attempt: base · 2^(n-1), at most cap."""
    return min(cap_s, base_s * 2 ** max(0, failures - 1))


@dataclass(frozen=True)
class Outcome:
    """What to record after an attempt."""

    status: Status
    attempts: int
    next_at: datetime | None
    last_error: str | None


def after_attempt(
    *,
    attempts_before: int,
    error: str | None,
    code: int | None,
    now: datetime,
    max_attempts: int,
    base_s: float,
    cap_s: float,
) -> Outcome:
    attempts = attempts_before + 1
    if error is None:
        return Outcome(Status.SENT, attempts, None, None)
    short = error[:MAX_ERROR_CHARS]
    if is_permanent(code) or attempts >= max_attempts:
        return Outcome(Status.FAILED, attempts, None, short)
    return Outcome(Status.PENDING, attempts, now + timedelta(seconds=retry_delay(attempts, base_s, cap_s)), short)
