"""The one Jinja environment of the site and the staff console, with the language helpers.

Templates write Korean and wrap it: `{{ _("시민제안") }}`; links go through `url("/…")` so an
English page links to English pages; `switch_url` is the same page in the other language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates

from gongnon_gateway.i18n import localized, translate

_HERE = Path(__file__).parent


@jinja2.pass_context
def _translate(ctx: jinja2.runtime.Context, text: Any, **values: Any) -> str:
    if text is None:
        return ""
    return translate(str(text), ctx.get("lang", "ko"), **values)


@jinja2.pass_context
def _url(ctx: jinja2.runtime.Context, path: str) -> str:
    return localized(path, ctx.get("lang", "ko"))


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader([_HERE / "templates", _HERE.parent / "console" / "templates"]),
    autoescape=True,  # every page escapes what citizens wrote
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["num"] = lambda n: f"{int(n):,}"
env.globals["_"] = _translate
env.globals["url"] = _url
templates = Jinja2Templates(env=env)
