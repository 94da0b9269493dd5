"""The operators' proposal list (seed 003: 목록 화면): its tabs and filters, read from the query
string into the API's parameters, and the rows the screen and its Excel export show. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gongnon_contracts.reference import POLICY_CATEGORIES
from gongnon_gateway.i18n import translate

# 공개 / 비공개 / 실패 / 휴지통, then what moderation and authors add.
TABS: dict[str, str] = {
    "public": "공개",
    "private": "비공개",
    "vote_failed": "실패",
    "trash": "휴지통",
    "hidden": "숨김",
    "withdrawn": "철회",
}
SUPPORT_PRESETS = (50, 500, 1000, 5000)
CASE_STATUSES = {
    "unassigned": "미지정",
    "assigned": "검토 중",
    "reassign_requested": "재지정 요청",
    "awaiting_approval": "승인 대기",
    "published": "답변 공개",
}
DECISIONS = {"accept": "수용", "partial": "부분수용", "reject": "불수용"}
_DEPARTMENT = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ListFilters:
    tab: str = "public"
    created_from: date | None = None
    created_to: date | None = None
    department: str = ""
    min_supports: int | None = None
    category: str = ""
    q: str = ""
    problems: list[str] = field(default_factory=list)  # Korean, shown beside the form

    @classmethod
    def read(cls, query: Mapping[str, str]) -> ListFilters:
        problems: list[str] = []
        tab = query.get("tab", "public")
        if tab not in TABS:
            tab = "public"
        start, end = _day(query.get("from")), _day(query.get("to"))
        if (query.get("from") and start is None) or (query.get("to") and end is None):
            problems.append("날짜는 YYYY-MM-DD 형식으로 입력해 주세요.")
        if start and end and start > end:
            problems.append("시작일이 종료일보다 늦습니다.")
            start, end = end, start
        raw_min = (query.get("min_supports") or "").strip()
        minimum: int | None = None
        if raw_min:
            if raw_min.isdigit() and int(raw_min) <= 10**9:
                minimum = int(raw_min)
            else:
                problems.append("공감 수는 0 이상의 숫자로 입력해 주세요.")
        department = query.get("department", "")
        category = query.get("category", "")
        return cls(
            tab=tab,
            created_from=start,
            created_to=end,
            department=department if _DEPARTMENT.match(department) else "",
            min_supports=minimum,
            category=category if category in POLICY_CATEGORIES else "",
            q=query.get("q", "").strip()[:100],
            problems=problems,
        )

    def api_params(self, agency: str) -> dict[str, Any]:
        return {
            "status": self.tab,
            "agency": agency,
            "created_from": self.created_from.isoformat() if self.created_from else None,
            "created_to": self.created_to.isoformat() if self.created_to else None,
            "department": self.department or None,
            "min_supports": self.min_supports,
            "category": self.category or None,
            "q": self.q or None,
        }

    def query(self, **override: Any) -> dict[str, str]:
        """The filters as a query string (links to other tabs, the export), with overrides."""
        values = {
            "tab": self.tab,
            "from": self.created_from.isoformat() if self.created_from else "",
            "to": self.created_to.isoformat() if self.created_to else "",
            "department": self.department,
            "min_supports": "" if self.min_supports is None else str(self.min_supports),
            "category": self.category,
            "q": self.q,
        }
        values.update({k: str(v) for k, v in override.items()})
        return {k: v for k, v in values.items() if v}


EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "번호"),
    ("title", "제목"),
    ("status", "상태"),
    ("category", "정책분류"),
    ("support_count", "공감 수"),
    ("created_at", "등록일"),
    ("departments", "담당 부서"),
    ("answers", "답변"),
    ("author_name", "제안자"),
)


def row_of(card: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """One proposal as the list and the export show it: the same values in the same order, with
    statuses and answers in the page's language."""

    def label(table: Mapping[str, str], key: Any) -> str:
        return translate(table[key], lang) if key in table else str(key or "")

    category = card.get("category_label") or {}
    cases = [c for c in card.get("cases") or [] if isinstance(c, dict)]
    return {
        "id": str(card.get("id", "")),
        "title": str(card.get("title", "")),
        "status": label(TABS, card.get("status")),
        "category": str(category.get(lang) or category.get("ko") or card.get("category") or ""),
        "support_count": int(card.get("support_count") or 0),
        "created_at": str(card.get("created_at", ""))[:10],
        "departments": ", ".join(str(c.get("department_name") or c.get("department_id") or "") for c in cases),
        "answers": ", ".join(
            label(DECISIONS, c.get("decision")) if c.get("decision") else label(CASE_STATUSES, c.get("status"))
            for c in cases
        ),
        "author_name": str(card.get("author_name") or ""),
    }
