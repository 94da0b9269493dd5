"""부서별 답변 현황, the public page: how each department of the city answers what citizens ask of
it, for a year or all time. The numbers come from review-svc, as the API serves them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.site.routes import SiteUser, render
from gongnon_gateway.upstream import Service

router = APIRouter(include_in_schema=False)
FIRST_YEAR = 2017  # 민주주의 서울 opened in October 2017


def _period(year: str, now: datetime) -> tuple[int | None, dict[str, str]]:
    """The year asked for (ignored unless a year the platform has seen) and its query."""
    if not year.isdigit() or not FIRST_YEAR <= int(year) <= now.year:
        return None, {}
    y = int(year)
    since, until = datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)
    return y, {"since": since.isoformat(), "until": until.isoformat()}


@router.get("/departments", response_class=HTMLResponse)
async def department_stats(request: Request, ctx: ContextDep, user: SiteUser, year: str = "") -> HTMLResponse:
    now = ctx.runtime.clock.now()
    chosen, params = _period(year, now)
    agency = ctx.settings.default_agency
    reply = await ctx.upstream.request(Service.REVIEW, "GET", f"/agencies/{agency}/department-stats", params=params)
    payload: dict[str, Any] = reply.json() if reply.ok and isinstance(reply.json(), dict) else {}
    rows = payload.get("items") or []
    return render(
        request,
        "departments.html",
        user,
        rows=rows,
        years=list(range(now.year, FIRST_YEAR - 1, -1)),
        year=chosen,
        failed=not reply.ok,
        totals={
            "cases": sum(r["cases"] for r in rows),
            "answered": sum(r["answered"] for r in rows),
            "overdue_now": sum(r["overdue_now"] for r in rows),
        },
    )
