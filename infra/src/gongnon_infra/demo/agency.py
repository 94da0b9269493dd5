"""The demo's partner agency (유관기관): 서울교통공사 (Seoul Metro), registered through the gateway's
API like a super admin would: its branding, a small 실·국·본부 → 과 department tree, its category
map, its admin and an officer per 과, and a couple of citizens' proposals filed under it.

Idempotent: the agency and the accounts answer 409 when they exist; departments are looked up by
name (and parent) before one is made; the category map is written only when it differs; a
proposal is looked up by its key (title, category, district) before it is filed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongnon_infra.demo.proposals import DemoProposal

AGENCY_ID = "seoul-metro"
AGENCY = {
    "id": AGENCY_ID,
    "name_ko": "서울교통공사",
    "name_en": "Seoul Metro",
    "branding": {"primary_color": "#0052a4", "accent_color": "#00a84d"},
}
ADMIN_EMAIL = f"admin.{AGENCY_ID}@gongnon.local"

# (본부, [(과, officer e-mail slug)]): the 과 are where cases go.
TREE: list[tuple[str, list[tuple[str, str]]]] = [
    ("고객안전본부", [("역사환경과", "stations"), ("승강설비과", "lifts")]),
    ("영업본부", [("운수영업과", "fares")]),
]
# 정책분류 → 과 (by name); anything else goes to the first 본부.
CATEGORY_MAP = {"transport": "운수영업과", "safety": "역사환경과", "welfare": "승강설비과"}

PROPOSALS: list[DemoProposal] = [
    (
        "지하철역 엘리베이터 고장 정보를 실시간으로 알려주세요",
        "welfare",
        None,
        ["엘리베이터", "교통약자"],
        "휠체어나 유모차로 지하철을 타는 시민은 역에 도착해서야 엘리베이터 고장을 압니다. 역별 승강기 "
        "운행 상태를 앱과 역 입구 안내판에 실시간으로 알려주세요.",
        6,
    ),
    (
        "출퇴근 시간 2호선 혼잡도를 칸별로 안내해 주세요",
        "transport",
        None,
        ["2호선", "혼잡도"],
        "출퇴근 시간 2호선은 칸마다 혼잡도가 크게 다릅니다. 승강장 안내 화면에 다음 열차의 칸별 혼잡도를 "
        "보여주면 승객이 덜 붐비는 칸으로 나뉘어 탈 수 있습니다.",
        3,
    ),
]


def officer_email(slug: str) -> str:
    return f"officer.{AGENCY_ID}.{slug}@gongnon.local"


@dataclass
class AgencySeed:
    departments: int = 0  # in the demo tree
    departments_created: int = 0
    accounts: int = 0
    proposals: int = 0
    created: int = 0


async def seed_departments(api: Any, admin: str, summary: AgencySeed) -> dict[str, str]:
    """The tree (found by name under its parent, made when missing); name → department id."""
    listed = await api.call("GET", f"/api/agencies/{AGENCY_ID}/departments", admin)
    existing = {(d["name"], d.get("parent_id")): d["id"] for d in listed["items"] if not d.get("archived")}
    ids: dict[str, str] = {}

    async def ensure(name: str, parent: str | None) -> str:
        found = existing.get((name, parent))
        if found is None:
            body = {"name": name, **({"parent_id": parent} if parent else {})}
            found = str((await api.call("POST", f"/api/agencies/{AGENCY_ID}/departments", admin, body))["id"])
            summary.departments_created += 1
        summary.departments += 1
        ids[name] = found
        return found

    for bureau, teams in TREE:
        parent = await ensure(bureau, None)
        for team, _ in teams:
            await ensure(team, parent)
    return ids


async def seed_agency(api: Any, admin: str, password: str) -> tuple[AgencySeed, str]:
    """The agency, its tree, map and staff; (summary so far, its admin's token)."""
    summary = AgencySeed()
    await api.call("POST", "/api/agencies", admin, AGENCY, ok=(201, 409))
    staff: list[tuple[str, str, str, str | None]] = [(ADMIN_EMAIL, "서울교통공사 관리자", "agency_admin", None)]
    for email, name, role, dept in staff:
        body = {"email": email, "password": password, "display_name": name, "role": role, "agency": AGENCY_ID}
        await api.call("POST", "/api/admin/accounts", admin, {**body, "department_id": dept}, ok=(201, 409))
    boss = await api.login(ADMIN_EMAIL, password)
    ids = await seed_departments(api, boss, summary)
    for _, teams in TREE:
        for team, slug in teams:
            body = {
                "email": officer_email(slug),
                "password": password,
                "display_name": f"{team} 담당자",
                "role": "officer",
                "agency": AGENCY_ID,
                "department_id": ids[team],
            }
            await api.call("POST", "/api/admin/accounts", boss, body, ok=(201, 409))
            staff.append((officer_email(slug), team, "officer", ids[team]))
    summary.accounts = len(staff)
    wanted = {"map": {c: ids[t] for c, t in CATEGORY_MAP.items()}, "default_department_id": ids[TREE[0][0]]}
    current = await api.call("GET", f"/api/agencies/{AGENCY_ID}/category-map", boss)
    if current.get("map") != wanted["map"] or current.get("default_department_id") != wanted["default_department_id"]:
        await api.call("PUT", f"/api/agencies/{AGENCY_ID}/category-map", boss, wanted)
    return summary, boss


def accounts_help(password: str) -> str:
    return (
        f"  agency admin  {ADMIN_EMAIL} / {password} (서울교통공사, /a/{AGENCY_ID}/; "
        f"officers officer.{AGENCY_ID}.stations@gongnon.local …)"
    )
