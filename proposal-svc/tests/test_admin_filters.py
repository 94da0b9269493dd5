"""The operators' list filters, checked on documents as an admin tab fetches them. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gongnon_contracts.refusals import Invalid
from proposal_svc.domain.admin_filters import AdminFilters


def _doc(created: datetime, supports: int = 0, departments: tuple[str, ...] = ()) -> dict[str, object]:
    cases = {f"c{i}": {"department_id": d, "status": "assigned"} for i, d in enumerate(departments)}
    return {"created_at": created, "support_count": supports, "cases": cases}


def test_the_date_range_is_inclusive_days_of_korea() -> None:
    f = AdminFilters(created_from=date(2026, 3, 1), created_to=date(2026, 3, 31))
    assert f.keeps(_doc(datetime(2026, 2, 28, 15, 0, tzinfo=UTC)))  # 1 March, 00:00 in Seoul
    assert not f.keeps(_doc(datetime(2026, 2, 28, 14, 59, tzinfo=UTC)))  # still 28 February there
    assert f.keeps(_doc(datetime(2026, 3, 31, 14, 59, tzinfo=UTC)))
    assert not f.keeps(_doc(datetime(2026, 3, 31, 15, 0, tzinfo=UTC)))  # 1 April in Seoul


def test_supports_and_department() -> None:
    f = AdminFilters(min_supports=50, department="dept_transport")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert f.keeps(_doc(now, 50, ("dept_welfare", "dept_transport")))
    assert not f.keeps(_doc(now, 49, ("dept_transport",)))
    assert not f.keeps(_doc(now, 500, ("dept_welfare",)))
    assert not f.keeps(_doc(now, 500))  # no case yet: no department


def test_nonsense_is_refused_and_nothing_is_empty() -> None:
    with pytest.raises(Invalid) as e:
        AdminFilters(created_from=date(2026, 4, 1), created_to=date(2026, 3, 1))
    assert e.value.code == "invalid_date_range"
    with pytest.raises(Invalid):
        AdminFilters(min_supports=-1)
    assert AdminFilters().empty
    assert not AdminFilters(min_supports=1).empty
