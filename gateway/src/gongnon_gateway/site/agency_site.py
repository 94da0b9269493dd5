"""Agency sub-sites (독립된 공론장): `/a/{agency}/` shows that agency's items under its name,
colours and logo, and a request whose Host is an agency's registered host name gets that
agency's home at `/`. A closed agency's page stays: its items are the archive."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.core.agencies import request_host
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.counters import read_counters
from gongnon_gateway.site import views
from gongnon_gateway.site.agency_form import AGENCY_ID, registry_of
from gongnon_gateway.site.routes import SiteUser, _not_found, render
from gongnon_gateway.upstream import Service

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
# Set on a request the host-name rewrite sent to an agency's home: its links then stay at "/".
AGENCY_HOST_KEY = "gongnon.agency_host"


@router.get("/a/{agency}/", response_class=HTMLResponse, response_model=None)
async def agency_home(
    request: Request, agency: str, ctx: ContextDep, user: SiteUser, tab: str = "latest", cursor: str = ""
) -> Response:
    if not AGENCY_ID.match(agency):
        return _not_found(request, user)
    found = await registry_of(request).find(agency)
    if found is None:
        return _not_found(request, user)
    if found.is_host_agency:
        return RedirectResponse("/", status_code=303)  # the host's home is the platform's home
    sort = "popular" if tab == "popular" else "latest"
    params = {"sort": sort, "agency": agency, "limit": 20, "cursor": cursor[:200]}
    reply = await ctx.upstream.request(
        Service.PROPOSAL, "GET", "/proposals", actor=user.actor if user else None, params=params
    )
    payload = reply.json() if reply.ok else {}
    at_host = request.scope.get(AGENCY_HOST_KEY) == agency
    return render(
        request,
        "agency_home.html",
        user,
        agency=found,
        home="/" if at_host else f"/a/{agency}/",
        closed_on=views.fmt_date(found.closed_at) if found.closed_at else "",
        counters=await read_counters(ctx.runtime.db, agency),
        proposals=[views.ProposalCard.of(d) for d in views.items_of(payload)],
        tab=sort,
        next_cursor=payload.get("next_cursor") if isinstance(payload, dict) else None,
        list_failed=not reply.ok,
    )


class AgencyHostHome:
    """`/` of an agency's own host name is that agency's home (`/a/{agency}/`); every other
    path and host is left alone. Look-ups are by _id and cached for a few seconds."""

    def __init__(self, app: ASGIApp, registry: AgencyRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            agency = await self._agency_of(scope)
            if agency is not None:
                path = f"/a/{agency}/"
                scope = {**scope, "path": path, "raw_path": path.encode(), AGENCY_HOST_KEY: agency}
        await self.app(scope, receive, send)

    async def _agency_of(self, scope: Scope) -> str | None:
        header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)
        host = request_host(header)
        if host is None:
            return None
        try:
            agency = await self.registry.for_host(host)
        except Exception:  # the platform's home is still the right page for a request
            log.warning("could not look up the host name %s", host, exc_info=True)
            return None
        return agency if agency != self.registry.host_agency else None
