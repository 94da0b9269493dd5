"""The committee part of the demo (제안실현위원회): three members, and the first demo proposal
that reached its department answer taken through the committee to its decision vote, so the
site's 결정 page and the item's page show the whole way from a real case.

Idempotent: each step runs only when the item has not passed it (the agenda item's status)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gongnon_infra.demo.seed import Api

MEMBERS = [(f"committee{i}@gongnon.local", f"제안실현위원 {i}") for i in (1, 2, 3)]
SCORES = {"necessity": 5, "changeability": 4, "feasibility": 4, "impact": 4}
WAIT_S = 60.0


async def _case(api: Api, pid: str) -> dict[str, Any] | None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = await api.call("GET", f"/api/proposals/{pid}/cases")
        items = found["items"] if isinstance(found, dict) else found
        if items:
            return dict(items[0])
        await asyncio.sleep(0.5)
    return None


async def seed_committee(api: Api, admin: str, password: str, pid: str) -> str:
    """Take `pid` (a proposal with a department case) as far as its decision vote; its status."""
    for email, name in MEMBERS:
        body = {"email": email, "password": password, "display_name": name, "role": "committee"}
        await api.call("POST", "/api/admin/accounts", admin, body, ok=(201, 409))
    status, agenda = await api.call_status("GET", f"/api/items/{pid}/committee", ok=(200, 404))
    if status == 200 and agenda["status"] not in ("scoring", "planning", "awaiting_verdict"):
        return str(agenda["status"])
    case = await _case(api, pid)
    if case is None:
        return "no case"
    operator = await api.login("operator@gongnon.local", password)
    officer = await api.login(f"officer.{case['department_id']}@gongnon.local", password)
    full = await api.call("GET", f"/api/review/cases/{case['id']}", operator)
    if full["status"] == "assigned":
        answer = {"decision": "accept", "answer": "제안 취지에 공감하여 추진하겠습니다."}
        await api.call("POST", f"/api/review/cases/{case['id']}/answer", officer, answer)
        full["status"] = "awaiting_approval"
    if full["status"] == "awaiting_approval":
        await api.call("POST", f"/api/review/cases/{case['id']}/approve", operator)
    agenda = await api.call("POST", f"/api/review/cases/{case['id']}/committee", operator)
    aid = agenda["id"]
    if agenda["status"] == "scoring":
        for email, _ in MEMBERS:
            member = await api.login(email, password)
            await api.call("POST", f"/api/committee/agendas/{aid}/scores", member, {"scores": SCORES})
        await api.call("POST", "/api/committee/selection", operator, {"top_n": 5, "min_average": 12})
        agenda = await api.call("GET", f"/api/committee/agendas/{aid}", operator)
    if agenda["status"] == "planning":
        plan = {
            "direction": "시범 사업으로 시작해 효과를 확인한 뒤 확대합니다.",
            "detail": "1단계: 대상 지역 선정과 시범 운영(3개월). 2단계: 시민 의견 반영 후 전체 확대.",
            "budget_krw": 0,
            "budget_track": "non_budget",
        }
        agenda = await api.call("POST", f"/api/committee/agendas/{aid}/plan", operator, plan)
    if agenda["status"] == "awaiting_verdict":
        agenda = await api.call("POST", f"/api/committee/agendas/{aid}/verdict", officer, {"verdict": "fit"})
    return str(agenda["status"])
