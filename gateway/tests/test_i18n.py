"""Every string the site and the console show goes through one mechanism (`_` over the English
catalogue), links keep the language, and the `/en` prefix is routed and kept on redirects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gongnon_gateway.i18n import ENGLISH, LanguagePrefix, localized, switched, translate

PACKAGE = Path(__file__).parents[1] / "src" / "gongnon_gateway"
TEMPLATES = sorted((PACKAGE / "site" / "templates").glob("*.html")) + sorted(
    (PACKAGE / "console" / "templates").glob("*.html")
)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# `_("…")` / `_('…')` with a literal first argument.
CALL = re.compile(r"""_\(\s*(?P<q>["'])(?P<text>(?:(?!(?P=q)).)*)(?P=q)""")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# The switch to Korean is written in Korean in every language, as language switches are.
ALLOWED_RAW = {'<a href="{{ switch_url }}" lang="ko" hreflang="ko">한국어</a>'}


def _literal_keys(text: str) -> set[str]:
    return {m.group("text") for m in CALL.finditer(text)}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_korean_outside_the_translation_calls(template: Path) -> None:
    text = template.read_text()
    for allowed in ALLOWED_RAW:
        text = text.replace(allowed, "")
    raw = JINJA.sub("", text)
    left = [line.strip() for line in raw.splitlines() if HANGUL.search(line)]
    assert not left, f"{template.name}: Korean text not wrapped in _(…): {left[:5]}"


LITERAL = re.compile(r"""(["'])((?:(?!\1).)*)\1""")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_korean_literals_in_expressions_are_translated(template: Path) -> None:
    untranslated = []
    for block in JINJA.finditer(template.read_text()):
        code = block.group(0)
        for lit in LITERAL.finditer(code):
            if HANGUL.search(lit.group(2)) and not re.search(r"_\(\s*$", code[: lit.start()]):
                untranslated.append(lit.group(0))
    assert not untranslated, f"{template.name}: Korean literals outside _(…): {untranslated[:5]}"


def test_every_literal_in_the_templates_has_english() -> None:
    missing = {}
    for template in TEMPLATES:
        for key in _literal_keys(template.read_text()):
            if HANGUL.search(key) and key not in ENGLISH:
                missing.setdefault(template.name, []).append(key)
    assert not missing, f"no English for: {missing}"


def test_the_console_s_python_texts_have_english() -> None:
    from gongnon_gateway.console import access, common, operator_routes, proposal_filters, staff_routes

    texts = (
        set(common.DONE.values())
        | {section.label for _, section in access.SECTIONS}
        | set(proposal_filters.TABS.values())
        | {label for _, label in proposal_filters.EXPORT_COLUMNS}
        | set(staff_routes.DECISIONS.values())
        | set(staff_routes.CRITERIA.values())
        | set(staff_routes.AGENDA_STATUSES.values())
        | set(proposal_filters.CASE_STATUSES.values())
        | set(operator_routes.ACTIONS.values())
        | set(proposal_filters.ListFilters.read({"from": "x", "min_supports": "-1"}).problems)
        | set(proposal_filters.ListFilters.read({"from": "2026-02-01", "to": "2026-01-01"}).problems)
    )
    assert texts
    assert not [t for t in texts if t not in ENGLISH]


def test_the_catalogue_keeps_named_values_and_has_no_korean() -> None:
    for ko, en in ENGLISH.items():
        assert not HANGUL.search(en), f"{ko!r} → {en!r} is still Korean"
        assert set(re.findall(r"\{(\w*)\}", ko)) == set(re.findall(r"\{(\w*)\}", en)), (ko, en)


def test_each_string_has_one_translation() -> None:
    """The console reuses the site's strings; a key in both catalogues would let one part's
    English silently change the other's."""
    from gongnon_gateway.i18n.en_console import CONSOLE
    from gongnon_gateway.i18n.en_site import SITE

    assert not set(SITE) & set(CONSOLE)


def test_translate_falls_back_to_korean_and_fills_values() -> None:
    assert translate("로그인", "en") == "Log in"
    assert translate("로그인", "ko") == "로그인"
    assert translate("없는 문장", "en") == "없는 문장"
    assert translate("{name}님", "en", name="{x}") == "{x}"  # a value is never formatted itself
    assert translate("{name}님", "ko", name="김") == "김님"


def test_links_keep_the_language() -> None:
    assert localized("/proposals/1", "en") == "/en/proposals/1"
    assert localized("/", "en") == "/en/"
    assert localized("/proposals/1", "ko") == "/proposals/1"
    assert localized("/api/open-data", "en") == "/api/open-data"
    assert localized("/en/x", "en") == "/en/x"
    assert localized("//evil.example", "en") == "//evil.example"
    assert switched("/proposals/1", "tab=popular", "en") == "/en/proposals/1?tab=popular"
    assert switched("/proposals/1", "", "ko") == "/proposals/1"


async def test_the_prefix_is_routed_and_redirects_keep_it() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(path=scope["path"], raw=scope["raw_path"], lang=scope.get("state", {}).get("lang"))
        await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/login?next=/x")]})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/en/proposals/new", "raw_path": b"/en/proposals/new", "method": "GET"}
    await LanguagePrefix(app)(scope, None, send)
    assert seen == {"path": "/proposals/new", "raw": b"/proposals/new", "lang": "en"}
    assert dict(sent[0]["headers"])[b"location"] == b"/en/login?next=/x"

    sent.clear()
    await LanguagePrefix(app)({**scope, "path": "/english", "raw_path": b"/english"}, None, send)
    assert seen["path"] == "/english"  # only the /en segment is a prefix
    assert seen["lang"] is None
    assert dict(sent[0]["headers"])[b"location"] == b"/login?next=/x"
