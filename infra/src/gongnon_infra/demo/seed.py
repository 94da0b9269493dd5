"""Seeds demo data through the gateway's public API, the way real users would create it:
staff accounts for every department, verified citizens, Korean proposals and their supports."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from gongnon_infra.cluster import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD
from gongnon_infra.demo.proposals import PROPOSALS

DEMO_PASSWORD = "gongnon-demo-1234"
FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "예준", "지민", "하준", "수아"]


def citizen_name(i: int) -> str:
    return FAMILY[i % len(FAMILY)] + GIVEN[i % len(GIVEN)]


class Api:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.s = session
        self.base = base

    async def call(
        self, method: str, path: str, token: str | None = None, json: Any = None, ok: tuple[int, ...] = (200, 201)
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.s.request(method, f"{self.base}{path}", json=json, headers=headers) as resp:
            body = await resp.json(content_type=None)
            if resp.status not in ok:
                raise RuntimeError(f"{method} {path} → {resp.status}: {body}")
            return body

    async def login(self, email: str, password: str) -> str:
        return str((await self.call("POST", "/api/auth/login", json={"email": email, "password": password}))["token"])


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


async def seed(gateway_url: str, citizens: int = 60) -> dict[str, Any]:
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
        tokens = await asyncio.gather(*(_citizen(api, i) for i in range(citizens)))
        created = 0
        supports = 0
        for n, (title, category, district, tags, body, supporters) in enumerate(PROPOSALS):
            author = tokens[n % len(tokens)]
            prop = await api.call(
                "POST",
                "/api/proposals",
                author,
                {"title": title, "body": body, "category": category, "district": district, "hashtags": tags},
            )
            created += 1
            pid = prop["id"]
            for _ in range(200):  # voting-svc learns of the item from proposal.submitted
                async with session.get(f"{gateway_url}/api/proposals/{pid}/tally") as resp:
                    if resp.status == 200:
                        break
                await asyncio.sleep(0.05)
            results = await asyncio.gather(
                *(api.call("POST", f"/api/proposals/{pid}/support", t, ok=(201, 409)) for t in tokens[:supporters])
            )
            supports += len(results)
        return {"proposals": created, "supports": supports, "citizens": citizens, "staff": len(staff)}


def dev_accounts_help() -> str:
    return (
        f"  super admin   {DEV_ADMIN_EMAIL} / {DEV_ADMIN_PASSWORD}\n"
        f"  operator      operator@gongnon.local / {DEMO_PASSWORD}\n"
        f"  officer       officer.dept-welfare@gongnon.local / {DEMO_PASSWORD} (one per department)\n"
        f"  citizen       citizen00@gongnon.local … citizen59@gongnon.local / {DEMO_PASSWORD}"
    )
