"""Departments (주관부서) and how a case is routed to one.

Each policy category (정책분류) maps to exactly one department; the head of agency (시장) is a
department of its own kind so head-answer cases flow through the same machinery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from gongnon_contracts.events.common import RuleAction


class DepartmentKind(StrEnum):
    DEPARTMENT = "department"
    HEAD = "head"  # the head of agency (시장 / 기관장)


@dataclass(frozen=True)
class Department:
    id: str
    agency: str
    name: str
    kind: DepartmentKind = DepartmentKind.DEPARTMENT
    unit: str = ""  # the team inside the department that handles proposals, when known
    categories: tuple[str, ...] = field(default_factory=tuple)


FALLBACK_CATEGORY = "other"


def route(departments: Iterable[Department], category: str, action: RuleAction) -> Department | None:
    """The department a new case goes to, or None when the agency has none for it (an operator
    then assigns it by hand, shown as 미지정)."""
    pool = list(departments)
    if action == RuleAction.HEAD_ANSWER:
        return next((d for d in pool if d.kind == DepartmentKind.HEAD), None)
    for wanted in (category, FALLBACK_CATEGORY):
        for d in pool:
            if d.kind == DepartmentKind.DEPARTMENT and wanted in d.categories:
                return d
    return None
