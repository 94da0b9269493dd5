"""The English catalogue: Korean source text → English, one dictionary per part of the site.
A string both parts show lives in the site's (gateway/tests/test_i18n.py holds them apart)."""

from __future__ import annotations

from gongnon_gateway.i18n.en_console import CONSOLE
from gongnon_gateway.i18n.en_site import SITE

ENGLISH: dict[str, str] = {**SITE, **CONSOLE}
