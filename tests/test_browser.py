"""The site and the staff console in a real browser (Debian's Chromium, driven by Playwright),
with axe-core in every page, in Korean and in English.

One partner agency of its own keeps this file apart from the others on the shared platform: its
rule sends an item to a department at the first support, so the whole loop fits in a test."""

from __future__ import annotations

import io
import itertools
from collections.abc import AsyncIterator
from typing import Any

import openpyxl
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from gongnon_infra.cluster import Cluster
from tests.browser import SCREENSHOTS, AxeReport, chromium, screenshot, tab_to
from tests.support import PASSWORD, Gateway, User, _run, _run_digits, eventually, webhook_receiver_process

pytestmark = pytest.mark.cluster
AGENCY = f"br{_run}"
_seq = itertools.count(1)


class Agency:
    def __init__(self, department: str, officer: str, operator: str, admin: str, committee: str) -> None:
        self.department = department
        self.officer, self.operator, self.admin, self.committee = officer, operator, admin, committee


@pytest.fixture(scope="module")
async def agency(cluster: Cluster) -> AsyncIterator[Agency]:
    async with Gateway.open(cluster.gateway_url) as gw:
        root = await gw.admin()
        await gw.ok(
            "POST", "/api/agencies", root, {"id": AGENCY, "name_ko": "브라우저구", "name_en": "Browser District"}
        )
        dept = await gw.ok("POST", f"/api/agencies/{AGENCY}/departments", root, {"name": "복지정책과"})
        await gw.ok("PUT", f"/api/agencies/{AGENCY}/category-map", root, {"map": {"welfare": dept["id"]}})
        rules = {
            "name": "첫 공감에 부서 답변",
            "rules": [{"id": "answer", "metric": "supports", "threshold": 1, "action": "department_answer"}],
        }
        await gw.ok("PUT", f"/api/agencies/{AGENCY}/ruleset", root, rules)
        emails = {}
        for role in ("officer", "operator", "agency_admin", "committee"):
            email = f"{role}-{AGENCY}@test.local"
            body = {
                "email": email,
                "password": PASSWORD,
                "display_name": f"{role} {AGENCY}",
                "role": role,
                "agency": AGENCY,
                "department_id": dept["id"] if role == "officer" else None,
            }
            await gw.ok("POST", "/api/admin/accounts", root, body)
            emails[role] = email
        yield Agency(dept["id"], emails["officer"], emails["operator"], emails["agency_admin"], emails["committee"])


async def _signed_in(browser: Browser, base: str, email: str) -> tuple[BrowserContext, Page]:
    ctx = await browser.new_context(base_url=base, locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    await page.goto("/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("form[action$='/login'] button[type=submit]")
    await page.wait_for_load_state()
    return ctx, page


async def _proposal(gw: Gateway, author: User, title: str, body: str) -> str:
    payload = {"title": title, "body": body, "category": "welfare", "agency": AGENCY}
    created: dict[str, Any] = await gw.ok("POST", "/api/proposals", author, payload)
    return str(created["id"])


async def test_a_citizen_an_officer_an_operator_and_an_agency_admin_in_the_browser(
    cluster: Cluster, gw: Gateway, agency: Agency
) -> None:
    base = cluster.gateway_url
    neighbour = await gw.citizen()
    shade = await _proposal(
        gw,
        neighbour,
        "한강공원에 그늘막을 더 설치해 주세요",
        "여름 한낮 한강공원에는 쉴 그늘이 부족합니다. 그늘막을 늘려 주세요.",
    )
    spare = await _proposal(gw, neighbour, f"광고성 글 {_run}", "지금 바로 연락 주세요. 최저가 보장.")
    # The similar-proposal index is filled from events: wait until it knows the item.
    await eventually(
        lambda: _similar_has(gw, "한강공원 그늘막을 늘려 주세요", shade), timeout=60, what="the similar index"
    )

    async with chromium() as browser:
        # --- a citizen registers, verifies, writes (keyboard only) seeing similar ones ---------
        citizen = await browser.new_context(base_url=base, locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = await citizen.new_page()
        email = f"browser-{_run}-{next(_seq)}@test.local"
        await page.goto("/register")
        await page.fill("#email", email)
        await page.fill("#display_name", "브라우저시민")
        await page.fill("#password", PASSWORD)
        await page.click("form[action$='/register'] button[type=submit]")
        await expect(page).to_have_url(f"{base}/verify?m=welcome")
        await page.fill("#name", f"브라우저시민{_run}")
        await page.fill("#birth_date", "1988-04-05")
        await page.fill("#phone", f"010-{_run_digits}-{7000 + next(_seq):04d}")
        await page.click("form[action$='/verify'] button[type=submit]")
        await expect(page).to_have_url(f"{base}/?m=verified")

        await page.goto(f"/proposals/new?agency={AGENCY}")
        await tab_to(page, "#title")
        await page.keyboard.type("한강공원 그늘막을 늘려 주세요")
        similar = page.locator("#similar")
        await expect(similar).to_be_visible(timeout=15_000)
        await expect(similar.locator(f"a[href$='/proposals/{shade}']")).to_be_visible()
        await screenshot(page, "proposal-form-similar")
        await tab_to(page, "#category")
        for _ in range(20):  # arrow keys choose in a focused select, without opening it
            if await page.eval_on_selector("#category", "el => el.value") == "welfare":
                break
            await page.keyboard.press("ArrowDown")
        await tab_to(page, "#body")
        await page.keyboard.type("아이들과 한강에 가면 햇볕을 피할 곳이 없습니다. 그늘막을 늘려 주세요.")
        await tab_to(page, "form[action$='/proposals/new'] button[type=submit]")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/proposals/*?m=proposed")
        assert "그늘막을 늘려" in await page.inner_text("h1")

        # --- support another's proposal, keyboard only; comment and follow -------------------
        await page.goto(f"/proposals/{shade}")
        await tab_to(page, "form[action$='/support'] button[type=submit]")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"**/proposals/{shade}?m=supported")
        await expect(page.locator("#support-count")).to_contain_text("1")
        await page.fill("#comment-body", "저도 같은 생각입니다. 아이들과 쉴 곳이 필요해요.")
        await page.click("form[action$='/comments'] button[type=submit]")
        await expect(page.locator("body")).to_contain_text("저도 같은 생각입니다")
        await page.click("form[action$='/follow'] button[type=submit]")
        await expect(page.locator("form[action$='/follow'] button[aria-pressed=true]")).to_be_visible()
        await screenshot(page, "proposal")

        # --- the officer answers in the department inbox --------------------------------------
        _, officer = await _signed_in(browser, base, agency.officer)

        async def case_listed() -> bool:
            await officer.goto("/console/cases")
            return await officer.locator("a", has_text="한강공원에 그늘막을 더 설치해 주세요").count() > 0

        await eventually(case_listed, timeout=60, what="the case in the officer's inbox")
        await screenshot(officer, "console-officer-inbox")
        await officer.locator("a", has_text="한강공원에 그늘막을 더 설치해 주세요").click()
        await officer.check("input[name=decision][value=partial]")
        await officer.fill("#answer", "여름철 주요 구간에 그늘막을 추가로 설치하겠습니다.")
        await officer.click("form[action$='/answer'] button[type=submit]")
        await expect(officer.locator(".flash.error")).to_contain_text("reason")  # 부분수용 needs a reason
        await officer.check("input[name=decision][value=partial]")
        await officer.fill("#answer", "여름철 주요 구간에 그늘막을 추가로 설치하겠습니다.")
        await officer.fill("#reason", "예산 범위 안에서 우선 다섯 곳에 설치합니다.")
        await officer.click("form[action$='/answer'] button[type=submit]")
        await expect(officer.locator(".flash.ok")).to_be_visible()

        # --- the operator approves, moderates and exports Excel -------------------------------
        _, operator = await _signed_in(browser, base, agency.operator)
        await operator.goto("/console/answers")
        await operator.locator("form[action*='/approve'] button").first.click()
        await expect(operator.locator(".flash.ok")).to_be_visible()

        await operator.goto("/console/proposals?tab=public")
        await operator.check(f"input[name=ids][value='{spare}']")
        await operator.fill("form[action$='/bulk'] input[name=reason]", "광고성 게시물")
        await operator.click("form[action$='/bulk'] button[type=submit]")
        await expect(operator.locator(".flash.ok")).to_be_visible()
        await operator.goto("/console/proposals?tab=hidden")
        await expect(operator.locator(f"tr[data-id='{spare}']")).to_be_visible()

        await operator.goto("/console/proposals?tab=public&min_supports=1&category=welfare")
        await expect(operator.locator(f"tr[data-id='{shade}']")).to_be_visible()
        await screenshot(operator, "console-operator-proposals")
        shown = await _table_rows(operator)
        assert [r[0] for r in shown] == [shade]  # supports ≥ 1 leaves out the new, unsupported one
        # The link the operator clicks, fetched with the page's own session (its cookies).
        href = await operator.get_attribute("a[href*='proposals.xlsx']", "href")
        assert href is not None
        export = await operator.request.get(href)
        assert export.ok
        assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
        workbook = openpyxl.load_workbook(io.BytesIO(await export.body()))
        sheet = workbook.active
        assert sheet is not None
        rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert rows[0][:2] == ["번호", "제목"]
        assert rows[1:] == shown, "the export is exactly the filtered list, row by row"

        # --- the agency admin subscribes the agency's system to events ------------------------
        with webhook_receiver_process() as port:
            _, admin = await _signed_in(browser, base, agency.admin)
            await admin.goto("/console/agency")
            await admin.fill("#w-url", f"http://127.0.0.1:{port}/hooks/browser")
            await admin.check("input[name=types][value='item.submitted']")
            await admin.click("form[action$='/console/agency/subscriptions'] button[type=submit]")
            secret = await admin.inner_text("#secret")
            assert secret.startswith("whsec_")
            await screenshot(admin, "console-agency-subscription")
            await admin.goto("/console/agency")
            await admin.locator("#subscriptions a", has_text=f"127.0.0.1:{port}").click()
            await _proposal(gw, neighbour, f"구독 확인용 제안 {_run}", "새 제안이 기관 시스템에 전달되는지 봅니다.")

            async def delivered() -> bool:
                await admin.reload()
                return await admin.locator("#deliveries td", has_text="item.submitted").count() > 0

            await eventually(delivered, timeout=60, what="a delivery in the log")
            await screenshot(admin, "console-agency-deliveries")


async def _similar_has(gw: Gateway, title: str, item_id: str) -> bool:
    found = await gw.req("POST", "/api/proposals/similar", None, {"title": title, "limit": 5, "agency": AGENCY})
    return found.status == 200 and any(i["id"] == item_id for i in found.body["items"])


async def _table_rows(page: Page) -> list[list[str]]:
    rows: list[list[str]] = await page.eval_on_selector_all(
        "#proposal-list tbody tr[data-id]",
        "rows => rows.map(r => [...r.querySelectorAll('td')].slice(1).map(td => td.innerText.trim()))",
    )
    return rows


PUBLIC_PAGES = [
    "/",
    "/proposals/new",
    "/login",
    "/register",
    "/debates",
    "/consultations",
    "/decisions",
    "/executions",
    "/departments",
]
CONSOLE_PAGES = [
    "/console",
    "/console/proposals",
    "/console/moderation",
    "/console/answers",
    "/console/statistics",
    "/console/deliberations",
    "/console/committee",
    "/console/agency",
]


async def test_no_serious_or_critical_accessibility_violations_in_either_language(
    cluster: Cluster, gw: Gateway, agency: Agency
) -> None:
    author = await gw.citizen()
    item = await _proposal(gw, author, f"접근성 점검용 제안 {_run}", "모든 시민이 읽을 수 있어야 합니다.")
    report = AxeReport()
    async with chromium() as browser:
        _, citizen = await _signed_in(browser, cluster.gateway_url, author.email)
        _, admin = await _signed_in(browser, cluster.gateway_url, agency.admin)
        _, officer = await _signed_in(browser, cluster.gateway_url, agency.officer)
        for lang in ("", "/en"):
            for path in [*PUBLIC_PAGES, f"/proposals/{item}", f"/a/{AGENCY}/"]:
                await citizen.goto(lang + path)
                await report.check(citizen, f"{lang or '/ko'} {path}")
            for path in CONSOLE_PAGES:
                await admin.goto(lang + path)
                await report.check(admin, f"{lang or '/ko'} {path}")
            await officer.goto(lang + "/console/cases")
            await report.check(officer, f"{lang or '/ko'} /console/cases")
        await citizen.goto("/en/")
        await screenshot(citizen, "home-en")
        await citizen.goto("/")
        await screenshot(citizen, "home-ko")
    print(report.summary())
    (SCREENSHOTS / "axe-summary.txt").write_text(report.summary() + "\n")  # beside the screenshots
    assert not report.blocking, "\n".join(report.blocking)
