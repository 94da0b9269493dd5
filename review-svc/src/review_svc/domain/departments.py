"""Departments (주관부서) and how a case is routed to one.

Each agency has a tree of departments (실·국·본부 → 과 …) and a head of agency (시장 / 기관장),
a department of its own kind outside the tree so head-answer cases flow through the same
machinery. Each agency maps its policy categories (정책분류) to departments; a case of a
category the map does not name goes to the agency's default department, else to its head.
Archived departments stay for the record but get no new cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from gongnon_contracts.events.common import RuleAction
from gongnon_contracts.refusals import Conflict, Invalid


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
    parent_id: str | None = None  # the 실·국·본부 a 과 belongs to; None at the top
    archived: bool = False

    @property
    def takes_cases(self) -> bool:
        return not self.archived


FALLBACK_CATEGORY = "other"
NAME_MAX = 60
MAX_DEPTH = 4  # 실·국·본부 → 과 → 팀, with room for one more level


@dataclass(frozen=True)
class CategoryMap:
    """An agency's 정책분류 → department map and the department for what it does not name."""

    agency: str
    mapping: Mapping[str, str]
    default_department_id: str | None = None
    version: int = 0


def head_department_id(agency: str) -> str:
    return f"{agency}-head"


def head_department(agency: str, agency_name: str) -> Department:
    """The head of a newly registered agency (기관장): where head-answer cases go, and the last
    fallback for its department-answer cases."""
    return Department(head_department_id(agency), agency, f"{agency_name} 기관장", kind=DepartmentKind.HEAD)


# -- the tree -------------------------------------------------------------------------------


def _name(name: str) -> str:
    value = name.strip()
    if not value or len(value) > NAME_MAX:
        raise Invalid(f"a department's name has 1 to {NAME_MAX} characters", code="invalid_name")
    return value


def _depth(d: Department, existing: Mapping[str, Department]) -> int:
    """How many departments from the top down to d (a top-level one is 1)."""
    depth, cur, seen = 1, d, {d.id}
    while cur.parent_id is not None and cur.parent_id in existing and cur.parent_id not in seen:
        cur = existing[cur.parent_id]
        seen.add(cur.id)
        depth += 1
    return depth


def _height(dept_id: str, existing: Mapping[str, Department]) -> int:
    """Levels in the subtree under dept_id, dept_id included."""
    children: dict[str, list[str]] = {}
    for d in existing.values():
        if d.parent_id is not None:
            children.setdefault(d.parent_id, []).append(d.id)
    height, level, seen = 0, [dept_id], {dept_id}
    while level:
        height += 1
        level = [c for p in level for c in children.get(p, ()) if c not in seen]
        seen.update(level)
    return height


def check_parent(dept_id: str, agency: str, parent_id: str | None, existing: Mapping[str, Department]) -> None:
    """A parent must be an active department of the same agency (never the head, never the
    department itself or one below it), and the tree stays at most MAX_DEPTH deep."""
    if parent_id is None:
        return
    parent = existing.get(parent_id)
    if parent is None or parent.agency != agency:
        raise Invalid("the parent must be a department of the same agency", code="invalid_parent")
    if parent.kind == DepartmentKind.HEAD:
        raise Invalid("the head of agency is not part of the department tree", code="invalid_parent")
    if parent.archived:
        raise Invalid("the parent department is archived", code="parent_archived")
    cur: Department | None = parent
    seen: set[str] = set()
    while cur is not None and cur.id not in seen:
        if cur.id == dept_id:
            raise Invalid("a department cannot be placed under itself or under one of its own", code="department_cycle")
        seen.add(cur.id)
        cur = existing.get(cur.parent_id) if cur.parent_id is not None else None
    if _depth(parent, existing) + _height(dept_id, existing) > MAX_DEPTH:
        raise Invalid(f"the department tree is at most {MAX_DEPTH} levels deep", code="tree_too_deep")


def new_department(
    dept_id: str, agency: str, name: str, unit: str, parent_id: str | None, existing: Mapping[str, Department]
) -> Department:
    check_parent(dept_id, agency, parent_id, existing)
    return Department(dept_id, agency, _name(name), unit=(unit or "").strip(), parent_id=parent_id)


def changed(d: Department, existing: Mapping[str, Department], *, changes: Mapping[str, str | None]) -> Department:
    """d renamed (name, unit) or moved (parent_id) as `changes` says; only what it names changes."""
    if d.archived:
        raise Conflict("the department is archived", code="department_archived")
    updated = d
    if "name" in changes:
        updated = replace(updated, name=_name(changes["name"] or ""))
    if "unit" in changes:
        updated = replace(updated, unit=(changes["unit"] or "").strip())
    if "parent_id" in changes and changes["parent_id"] != d.parent_id:
        if d.kind == DepartmentKind.HEAD:
            raise Invalid("the head of agency is not part of the department tree", code="invalid_parent")
        check_parent(d.id, d.agency, changes["parent_id"], existing)
        updated = replace(updated, parent_id=changes["parent_id"])
    return updated


def archived(d: Department, existing: Mapping[str, Department]) -> Department:
    """d archived: it gets no new cases. The head of agency stays; a department with active
    sub-departments is archived only after them. Archiving again changes nothing."""
    if d.kind == DepartmentKind.HEAD:
        raise Conflict("the head of agency cannot be archived", code="head_department")
    if d.archived:
        return d
    active_children = sorted(c.id for c in existing.values() if c.parent_id == d.id and not c.archived)
    if active_children:
        raise Conflict(
            "archive its sub-departments first", code="has_active_children", details={"children": active_children}
        )
    return replace(d, archived=True)


# -- the category map -----------------------------------------------------------------------


def _usable(dept_id: str, agency: str, existing: Mapping[str, Department], where: str) -> None:
    d = existing.get(dept_id)
    if d is None or d.agency != agency or d.kind != DepartmentKind.DEPARTMENT:
        raise Invalid(
            f"{dept_id!r} is not a department of {agency}",
            code="unknown_department",
            details=[{"loc": ["body", where], "msg": "not a department of the agency", "type": "value_error"}],
        )
    if d.archived:
        raise Invalid(f"the department {dept_id!r} is archived", code="department_archived")


def category_map(
    agency: str,
    mapping: Mapping[str, str],
    default_department_id: str | None,
    existing: Mapping[str, Department],
    categories: Iterable[str],
    version: int,
) -> CategoryMap:
    """The agency's new map: known categories only, each to an active department of the agency."""
    known = set(categories)
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise Invalid(
            f"unknown categories: {', '.join(unknown)}", code="unknown_category", details={"allowed": sorted(known)}
        )
    for category, dept_id in sorted(mapping.items()):
        _usable(dept_id, agency, existing, f"map.{category}")
    if default_department_id is not None:
        _usable(default_department_id, agency, existing, "default_department_id")
    return CategoryMap(agency, dict(sorted(mapping.items())), default_department_id, version)


def legacy_map(agency: str, departments: Iterable[Department], default_department_id: str | None) -> CategoryMap:
    """The map the departments' own categories describe (the seeded data of an agency)."""
    mapping: dict[str, str] = {}
    for d in departments:
        if d.agency == agency and d.kind == DepartmentKind.DEPARTMENT:
            for c in d.categories:
                mapping.setdefault(c, d.id)
    return CategoryMap(agency, mapping, default_department_id, 0)


def categories_of(department_id: str, cmap: CategoryMap | None) -> tuple[str, ...]:
    if cmap is None:
        return ()
    return tuple(sorted(c for c, d in cmap.mapping.items() if d == department_id))


# -- routing --------------------------------------------------------------------------------


def route(
    departments: Iterable[Department], category: str, action: RuleAction, cmap: CategoryMap | None = None
) -> Department | None:
    """The department a new case goes to, or None when the agency has none for it (an operator
    then assigns it by hand, shown as 미지정). Archived departments get no new cases.

    With the agency's map: the mapped department, else its default department, else its head.
    Without one (an agency known only from seeded data): the department whose categories hold the
    category, else the one holding "other"."""
    pool = [d for d in departments if d.takes_cases]
    head = next((d for d in pool if d.kind == DepartmentKind.HEAD), None)
    if action == RuleAction.HEAD_ANSWER:
        return head
    if cmap is not None:
        by_id = {d.id: d for d in pool if d.kind == DepartmentKind.DEPARTMENT}
        for wanted in (cmap.mapping.get(category), cmap.default_department_id):
            if wanted is not None and wanted in by_id:
                return by_id[wanted]
        return head
    for wanted in (category, FALLBACK_CATEGORY):
        for d in pool:
            if d.kind == DepartmentKind.DEPARTMENT and wanted in d.categories:
                return d
    return None
