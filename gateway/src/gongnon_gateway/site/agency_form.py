"""The agency choice on the proposal form (기관 선택): which agencies take new items, and why
one cannot. Apart from agency_site.py so the site's routes can use it without a cycle."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import Request

from gongnon_gateway.core.agencies import Agency
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.site.phrases import Label, Phrase

log = logging.getLogger(__name__)
AGENCY_ID = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
# What the proposal form says when it cannot file under the chosen agency.
PROBLEMS = {
    "choose_again": "기관을 다시 선택해 주세요.",
    "closed": "{name}의 공론장은 종료되어 새 제안을 받지 않습니다.",
}


def registry_of(request: Request) -> AgencyRegistry:
    registry: AgencyRegistry = request.app.state.agencies
    return registry


async def agency_choices(request: Request, chosen: str) -> dict[str, Any]:
    """For the proposal form: the agencies that take new items (host first) and the one chosen."""
    try:
        open_agencies = [a for a in await registry_of(request).all() if a.open]
    except Exception:  # the form still works without the choice (the host takes it)
        log.warning("could not read the agencies for the proposal form", exc_info=True)
        open_agencies = []
    open_agencies.sort(key=lambda a: (not a.is_host_agency, a.name_ko))
    ids = {a.id for a in open_agencies}
    return {
        "agencies": [(a.id, Label(a.name_ko, a.name_en or a.name_ko)) for a in open_agencies],
        "chosen_agency": chosen if chosen in ids else "",
    }


async def open_agency_problem(request: Request, agency: str, lang: str = "ko") -> Phrase | None:
    """Why the form cannot file under this agency (Korean, translated by the page; the agency's
    name in the page's language), or None when it can."""
    if not AGENCY_ID.match(agency):
        return Phrase(PROBLEMS["choose_again"])
    found = await registry_of(request).find(agency)
    if found is None:
        return Phrase(PROBLEMS["choose_again"])
    if not found.open:
        name = found.name_en if lang == "en" and found.name_en else found.name_ko
        return Phrase(PROBLEMS["closed"], {"name": name})
    return None


async def partner_agency(request: Request, agency_id: object) -> Agency | None:
    """The partner agency an item was filed under, for its page's branding; None for the host's
    items (and when the registry cannot answer: the page still renders, in the host's colours)."""
    if not isinstance(agency_id, str) or not AGENCY_ID.match(agency_id):
        return None
    try:
        found = await registry_of(request).find(agency_id)
    except Exception:
        log.warning("could not read agency %s for an item's page", agency_id, exc_info=True)
        return None
    return found if found is not None and not found.is_host_agency else None
