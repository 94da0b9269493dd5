"""The operators' list filters beyond the public ones (seed 003's 검색 조건): a date range of
registration, the department a case went to, and a minimum of supports. Pure: checked on the
documents an admin status tab fetches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from gongnon_contracts.reference import KST
from gongnon_contracts.refusals import Invalid

SUPPORTS_MAX = 10**9


@dataclass(frozen=True)
class AdminFilters:
    created_from: date | None = None  # inclusive, a day in UTC+9 (the platform's calendar)
    created_to: date | None = None  # inclusive
    min_supports: int | None = None
    department: str | None = None

    def __post_init__(self) -> None:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise Invalid("the date range ends before it starts", code="invalid_date_range")
        if self.min_supports is not None and not 0 <= self.min_supports <= SUPPORTS_MAX:
            raise Invalid("min_supports must be a count of supports", code="invalid_min_supports")

    @property
    def empty(self) -> bool:
        return not (self.created_from or self.created_to or self.min_supports or self.department)

    def keeps(self, d: dict[str, Any]) -> bool:
        created = d.get("created_at")
        if isinstance(created, datetime):
            when = (created if created.tzinfo else created.replace(tzinfo=UTC)).astimezone(KST)
            if self.created_from and when < datetime.combine(self.created_from, time.min, KST):
                return False
            if self.created_to and when >= datetime.combine(self.created_to + timedelta(days=1), time.min, KST):
                return False
        if self.min_supports and int(d.get("support_count") or 0) < self.min_supports:
            return False
        if self.department:
            cases = d.get("cases") or {}
            if not any(c.get("department_id") == self.department for c in cases.values() if isinstance(c, dict)):
                return False
        return True
