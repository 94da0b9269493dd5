"""Seeds demo data through the gateway's public API, the way real users would create it:
staff accounts for every department, verified citizens, Korean proposals and their supports, and
a partner agency (서울교통공사, demo/agency.py) with its departments, map, staff and proposals.

Idempotent: run again on the same data it creates nothing twice. Accounts answer 409 when they
exist; a demo proposal is looked up first by its stable key (title, category, district, found
through the title search as its author sees it) and created only when missing; supports are
one per citizen (409 when given) and skipped when the proposal already has them all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from gongnon_infra.cluster import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD
from gongnon_infra.demo import agency as partner
from gongnon_infra.demo.committee import seed_committee
from gongnon_infra.demo.proposals import PROPOSALS, DemoProposal

DEMO_PASSWORD = "gongnon-demo-1234"
FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "예준", "지민", "하준", "수아"]
# voting-svc answers 503 while it rebuilds Redis from its ledger (a restart): wait that long for it.
UNAVAILABLE_WAIT_S = 120.0
PROGRESS_EVERY = 6  # proposals
COMMITTEE_SUPPORTS = 50  # democracy-seoul-2019: 50 supports → a department answer


def citizen_name(i: int) -> str:
    return FAMILY[i % len(FAMILY)] + GIVEN[i % len(GIVEN)]


class Api:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.s = session
        self.base = base

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201),
        params: dict[str, str] | None = None,
    ) -> Any:
        return (await self.call_status(method, path, token, json, ok, params))[1]

    async def call_status(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201),
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        deadline = time.monotonic() + UNAVAILABLE_WAIT_S
        while True:
            async with self.s.request(method, f"{self.base}{path}", json=json, headers=headers, params=params) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
            if status == 503 and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                continue
            if status not in ok:
                raise RuntimeError(f"{method} {path} → {status}: {body}")
            return status, body

    async def login(self, email: str, password: str) -> str:
        return str((await self.call("POST", "/api/auth/login", json={"email": email, "password": password}))["token"])


@dataclass
class SeedSummary:
    proposals: int = 0  # demo proposals there after the seed
    created: int = 0  # of which this run created
    supports: int = 0  # supports the demo proposals are meant to have
    supports_added: int = 0  # of which this run gave (201)
    citizens: int = 0
    staff: int = 0
    agency: partner.AgencySeed | None = None  # the partner agency's part
    committee: str = ""  # where the committee's demo item stands (its agenda status)

    def __str__(self) -> str:
        text = (
            f"{self.proposals} proposals ({self.created} new, {self.proposals - self.created} already there), "
            f"{self.supports:,} supports ({self.supports_added:,} new), {self.citizens} citizens, {self.staff} staff"
        )
        if self.committee:
            text += f"; committee demo item: {self.committee}"
        if self.agency is not None:
            a = self.agency
            text += (
                f"; partner agency {partner.AGENCY['name_ko']}: {a.departments} departments "
                f"({a.departments_created} new), {a.accounts} staff, {a.proposals} proposals ({a.created} new)"
            )
        return text


async def _citizen(api: Api, i: int) -> str:
    email = f"citizen{i:02d}@gongnon.local"
    await api.call(
        "POST",
        "/api/auth/register",
        json={"email": email, "password": DEMO_PASSWORD, "display_name": citizen_name(i)},
        ok=(201, 409),
    )
    token = await api.login(email, DEMO_PASSWORD)
    await api.call(
        "POST",
        "/api/auth/verify",
        token,
        {
            "name": citizen_name(i),
            "birth_date": f"19{60 + i % 40:02d}-0{1 + i % 9}-1{i % 10}",
            "phone": f"010-5{i:03d}-{1000 + i:04d}",
        },
        ok=(200, 201, 409),
    )
    return await api.login(email, DEMO_PASSWORD)


async def find_demo_proposal(api: Api, token: str, demo: DemoProposal) -> str | None:
    """The id of the proposal with this demo proposal's key (title, category, district), if any."""
    title, category, district = demo[0], demo[1], demo[2]
    cursor: str | None = None
    for _ in range(20):  # a search page may end short of the last match: follow the cursor a while
        params = {"q": title, "limit": "100"}
        if cursor:
            params["cursor"] = cursor
        page = await api.call("GET", "/api/proposals", token, params=params)
        for card in page["items"]:
            if card["title"] == title and card["category"] == category and card["district"] == district:
                return str(card["id"])
        cursor = page.get("next_cursor")
        if not cursor:
            return None
    return None


async def _wait_for_ballot(api: Api, pid: str) -> dict[str, Any]:
    """voting-svc learns of the item from proposal.submitted: its tally answers 404 until then."""
    for _ in range(400):
        status, body = await api.call_status("GET", f"/api/proposals/{pid}/tally", ok=(200, 404))
        if status == 200:
            return dict(body)
        await asyncio.sleep(0.05)
    raise RuntimeError(f"voting-svc never learnt of proposal {pid}")


async def _ensure_proposal(api: Api, author: str, item: DemoProposal, agency: str | None = None) -> tuple[str, bool]:
    """(the demo proposal's id, whether this run filed it)."""
    pid = await find_demo_proposal(api, author, item)
    if pid is not None:
        return pid, False
    title, category, district, tags, body, _ = item
    payload: dict[str, Any] = {"title": title, "body": body, "category": category, "district": district}
    payload["hashtags"] = tags
    if agency is not None:
        payload["agency"] = agency
    return str((await api.call("POST", "/api/proposals", author, payload))["id"]), True


async def _support(api: Api, pid: str, supporters: list[str]) -> int:
    """Supports from these citizens unless the item has as many already; how many were new."""
    tally = await _wait_for_ballot(api, pid)
    if max(int(tally.get("total") or 0), int(tally.get("live_total") or 0)) >= len(supporters):
        return 0
    results = await asyncio.gather(
        *(api.call_status("POST", f"/api/proposals/{pid}/support", t, ok=(201, 409)) for t in supporters)
    )
    return sum(1 for status, _ in results if status == 201)


async def seed(
    gateway_url: str,
    citizens: int = 60,
    proposals: int | None = None,
    progress: Callable[[str], None] | None = None,
    with_agency: bool = True,
) -> SeedSummary:
    """Seed (or complete) the demo data; `proposals` limits it to the first N demo proposals."""
    say = progress or (lambda _msg: None)
    demo = PROPOSALS if proposals is None else PROPOSALS[:proposals]
    summary = SeedSummary(citizens=citizens)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        api = Api(session, gateway_url)
        admin = await api.login(DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD)
        staff = [
            ("operator@gongnon.local", "운영팀", "operator", None),
            ("head@gongnon.local", "서울특별시장", "head", None),
        ]
        departments = await api.call("GET", "/api/departments")
        for dept in departments["items"] if isinstance(departments, dict) else departments:
            staff.append((f"officer.{dept['id']}@gongnon.local", f"{dept['name']} 담당자", "officer", dept["id"]))
        for email, name, role, dept_id in staff:
            await api.call(
                "POST",
                "/api/admin/accounts",
                admin,
                {
                    "email": email,
                    "password": DEMO_PASSWORD,
                    "display_name": name,
                    "role": role,
                    "department_id": dept_id,
                },
                ok=(201, 409),
            )
        summary.staff = len(staff)
        say(f"  {len(staff)} staff accounts; signing in {citizens} verified citizens …")
        tokens = await asyncio.gather(*(_citizen(api, i) for i in range(citizens)))
        answered: list[str] = []  # demo proposals with supports enough for a department answer
        for n, item in enumerate(demo):
            author = tokens[n % len(tokens)]
            pid, new = await _ensure_proposal(api, author, item)
            summary.created += new
            summary.proposals += 1
            wanted = min(item[5], len(tokens))
            summary.supports += wanted
            summary.supports_added += await _support(api, pid, tokens[:wanted])
            if wanted >= COMMITTEE_SUPPORTS:
                answered.append(pid)
            if (n + 1) % PROGRESS_EVERY == 0 or n + 1 == len(demo):
                say(f"  proposals {n + 1}/{len(demo)} ({summary.created} new), supports {summary.supports_added:,} new")
        if answered:
            summary.committee = await seed_committee(api, admin, DEMO_PASSWORD, answered[0])
            say(f"  committee: {summary.committee}")
        if with_agency:
            summary.agency, _ = await partner.seed_agency(api, admin, DEMO_PASSWORD)
            for n, item in enumerate(partner.PROPOSALS):
                pid, new = await _ensure_proposal(api, tokens[-1 - n % len(tokens)], item, partner.AGENCY_ID)
                summary.agency.created += new
                summary.agency.proposals += 1
                await _support(api, pid, tokens[: min(item[5], len(tokens))])
            say(f"  partner agency {partner.AGENCY_ID}: {summary.agency.proposals} proposals")
    return summary


def dev_accounts_help() -> str:
    return (
        f"  super admin   {DEV_ADMIN_EMAIL} / {DEV_ADMIN_PASSWORD}\n"
        f"  operator      operator@gongnon.local / {DEMO_PASSWORD}\n"
        f"  officer       officer.dept-welfare@gongnon.local / {DEMO_PASSWORD} (one per department)\n"
        f"  committee     committee1@gongnon.local … committee3@gongnon.local / {DEMO_PASSWORD}\n"
        f"  citizen       citizen00@gongnon.local … citizen59@gongnon.local / {DEMO_PASSWORD}\n"
        + partner.accounts_help(DEMO_PASSWORD)
    )
