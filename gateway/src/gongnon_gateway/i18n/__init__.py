"""One way to show the site and the staff console in Korean or English.

Korean is the source language: every string a page shows is written in Korean and passed
through `translate` (`_` in templates), which looks it up in the English catalogue when the
page is English. The language lives in the URL (`/en/…`, Korean has no prefix), so a shared
link keeps it; `LanguagePrefix` strips the prefix before routing and puts it back on redirects."""

from __future__ import annotations

from gongnon_gateway.i18n.catalog import ENGLISH
from gongnon_gateway.i18n.language import (
    DEFAULT,
    LANGUAGES,
    LanguagePrefix,
    language_of,
    localized,
    switched,
    translate,
)

__all__ = [
    "DEFAULT",
    "ENGLISH",
    "LANGUAGES",
    "LanguagePrefix",
    "language_of",
    "localized",
    "switched",
    "translate",
]
