"""Seoul's departments, seeded at startup. Ids are stable: cases, officers' accounts and the
gateway refer to them. Each policy category (gongnon_contracts.reference.POLICY_CATEGORIES)
belongs to exactly one department."""

from __future__ import annotations

from review_svc.domain.departments import Department, DepartmentKind

AGENCY = "seoul"
HEAD_DEPARTMENT_ID = "dept-head"
# Where a case of a category the map does not name goes (the one that also takes "other").
DEFAULT_DEPARTMENT_ID = "dept-innovation"

SEOUL_DEPARTMENTS: tuple[Department, ...] = (
    Department("dept-welfare", AGENCY, "복지정책실", categories=("welfare",)),
    Department("dept-women", AGENCY, "여성가족정책실", categories=("women",)),
    Department("dept-safety", AGENCY, "안전총괄실", categories=("safety",)),
    Department("dept-environment", AGENCY, "기후환경본부", categories=("environment",)),
    Department("dept-transport", AGENCY, "도시교통실", categories=("transport",)),
    Department("dept-housing", AGENCY, "주택정책실", categories=("housing",)),
    Department("dept-health", AGENCY, "시민건강국", categories=("health",)),
    Department("dept-economy", AGENCY, "경제정책실", categories=("economy",)),
    Department("dept-culture", AGENCY, "문화본부", categories=("culture",)),
    Department("dept-education", AGENCY, "평생교육국", categories=("education",)),
    Department("dept-planning", AGENCY, "기획조정실", categories=("planning",)),
    Department("dept-innovation", AGENCY, "서울혁신기획관", unit="사회혁신담당관", categories=("other",)),
    Department(HEAD_DEPARTMENT_ID, AGENCY, "서울특별시장", kind=DepartmentKind.HEAD),
)
