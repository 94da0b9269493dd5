"""English for the staff console's strings (Korean source text → English)."""

from __future__ import annotations

CONSOLE: dict[str, str] = {}
