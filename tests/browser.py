"""Browser tests' plumbing: Debian's Chromium driven by Playwright, axe-core injected into each
page, keyboard-only moves, and the screenshots the README shows."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).parents[1]
CHROMIUM = os.environ.get("GONGNON_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(os.environ.get("GONGNON_AXE_JS", ROOT / ".dev/browser/node_modules/axe-core/axe.min.js"))
SCREENSHOTS = ROOT / "docs" / "screenshots"
BLOCKING = ("serious", "critical")


def _tools_present() -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: ./dev test installs Debian's chromium"
    assert AXE_JS.exists(), f"{AXE_JS} is missing: ./dev test installs axe-core from npm"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    _tools_present()
    async with async_playwright() as pw:
        # No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            await browser.close()


class AxeReport:
    """Violations by page and impact, printed as one summary at the end."""

    def __init__(self) -> None:
        self.pages: dict[str, Counter[str]] = {}
        self.rules: dict[str, set[str]] = {}
        self.blocking: list[str] = []

    async def check(self, page: Page, name: str) -> None:
        await page.add_script_tag(path=str(AXE_JS))
        result: dict[str, Any] = await page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values:"
            " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
        impacts: Counter[str] = Counter()
        for v in result["violations"]:
            impacts[v.get("impact") or "minor"] += len(v.get("nodes", []))
            self.rules.setdefault(name, set()).add(v["id"])
            if v.get("impact") in BLOCKING:
                targets = [n.get("target") for n in v.get("nodes", [])][:3]
                self.blocking.append(f"{name}: {v['id']} ({v['impact']}) {v.get('help')} at {json.dumps(targets)}")
        self.pages[name] = impacts

    def summary(self) -> str:
        lines = ["axe-core summary (violating nodes by impact):"]
        for name, impacts in self.pages.items():
            shown = ", ".join(f"{k} {impacts.get(k, 0)}" for k in ("critical", "serious", "moderate", "minor"))
            rules = ", ".join(sorted(self.rules.get(name, ())))
            lines.append(f"  {name:<42} {shown}" + (f"  ({rules})" if rules else ""))
        return "\n".join(lines)


async def tab_to(page: Page, selector: str, presses: int = 80) -> None:
    """Move the focus with Tab alone until the element is focused (a keyboard user's way)."""
    for _ in range(presses):
        if await page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def screenshot(page: Page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
