from datetime import UTC, datetime, timedelta

from review_svc.domain.department_stats import CaseFacts, department_stats

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def case(dept: str, opened_day: int, due_days: int, answered_day: int | None, published: bool = True) -> CaseFacts:
    opened = T0 + timedelta(days=opened_day)
    return CaseFacts(
        department_id=dept,
        department_name=f"{dept}과",
        opened_at=opened,
        due_at=opened + timedelta(days=due_days),
        published=published and answered_day is not None,
        submitted_at=None if answered_day is None else opened + timedelta(days=answered_day),
    )


def test_answered_on_time_median_and_overdue_per_department() -> None:
    now = T0 + timedelta(days=40)
    rows = department_stats(
        [
            case("traffic", 0, 20, 5),  # on time
            case("traffic", 0, 20, 20),  # on the due day: on time
            case("traffic", 0, 20, 30),  # late
            case("traffic", 10, 20, None),  # open, overdue since day 30
            case("traffic", 30, 20, None),  # open, not yet due
            case("traffic", 0, 20, 3, published=False),  # answered, awaiting approval: not answered yet
            case("parks", 0, 20, 10),
        ],
        now,
    )
    traffic, parks = rows
    assert (traffic.department_id, traffic.cases, traffic.answered, traffic.answered_on_time) == ("traffic", 6, 3, 2)
    assert traffic.on_time_pct == 66.7
    assert traffic.median_days_to_answer == 20.0
    assert (traffic.open_now, traffic.overdue_now) == (3, 1)
    assert (parks.cases, parks.answered, parks.on_time_pct, parks.median_days_to_answer) == (1, 1, 100.0, 10.0)


def test_a_department_with_nothing_answered_has_no_rate_rather_than_zero() -> None:
    (row,) = department_stats([case("welfare", 0, 20, None)], T0 + timedelta(days=1))
    assert (row.answered, row.on_time_pct, row.median_days_to_answer, row.overdue_now) == (0, None, None, 0)
