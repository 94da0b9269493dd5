"""The operators' list: filters read from the query string, and the rows the screen and the
Excel export share (pure)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from gongnon_gateway.console.proposal_filters import EXPORT_COLUMNS, ListFilters, row_of
from gongnon_gateway.console.xlsx import workbook


def test_filters_become_the_api_s_parameters_and_bad_input_is_said_not_sent() -> None:
    f = ListFilters.read(
        {"tab": "trash", "from": "2026-03-01", "to": "2026-03-31", "min_supports": "50", "department": "dept-a"}
    )
    assert f.api_params("seoul") == {
        "status": "trash",
        "agency": "seoul",
        "created_from": "2026-03-01",
        "created_to": "2026-03-31",
        "department": "dept-a",
        "min_supports": 50,
        "category": None,
        "q": None,
    }
    bad = ListFilters.read({"tab": "nope", "from": "yesterday", "min_supports": "-3", "department": "a/b"})
    assert (bad.tab, bad.created_from, bad.min_supports, bad.department) == ("public", None, None, "")
    assert len(bad.problems) == 2
    swapped = ListFilters.read({"from": "2026-04-01", "to": "2026-03-01"})
    assert (swapped.created_from, swapped.created_to) == (date(2026, 3, 1), date(2026, 4, 1))
    assert swapped.query(tab="hidden") == {"tab": "hidden", "from": "2026-03-01", "to": "2026-04-01"}


def test_a_row_in_either_language_and_the_workbook_keeps_text_as_text() -> None:
    card = {
        "id": "p_1",
        "title": '=HYPERLINK("http://evil")',
        "status": "vote_failed",
        "category": "welfare",
        "category_label": {"ko": "복지", "en": "Welfare"},
        "support_count": 51,
        "created_at": "2026-03-02T01:00:00Z",
        "author_name": "김시민",
        "cases": [{"department_name": "복지정책과", "decision": "partial", "status": "published"}],
    }
    ko, en = row_of(card, "ko"), row_of(card, "en")
    assert (ko["status"], ko["category"], ko["answers"]) == ("실패", "복지", "부분수용")
    assert (en["status"], en["category"], en["answers"]) == ("Failed", "Welfare", "Partly accepted")
    data = workbook("t", [k for k, _ in EXPORT_COLUMNS], [[ko[k] for k, _ in EXPORT_COLUMNS]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet["B2"].value == card["title"]
    assert sheet["B2"].data_type == "s"  # never a formula
