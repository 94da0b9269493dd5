"""Open data (공공데이터): published proposals as JSON pages or one CSV file, under a licence, with
their schema; `since` gives only what changed since then (an incremental feed). Anonymous and
read-only, like e-petitions' and Decidim's open data. Rows come from proposal-svc
(domain/open_data.py: only public facts)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from gongnon_contracts.bounds import Moment
from gongnon_gateway.api.deps import ContextDep, UpstreamDep
from gongnon_gateway.api.responses import _example, _Out
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service, UpstreamReply

router = APIRouter(tags=["open data"], responses=ERROR_RESPONSES)
REF = r"^[A-Za-z0-9_\-]{1,64}$"
CSV_PAGE = 1000
CSV_MAX_PAGES = 1000  # a million items in one file; beyond that, page the JSON
# A cell a spreadsheet would run as a formula is written as text (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_ROW: dict[str, Any] = {
    "id": "prop_01J…",
    "agency": "seoul",
    "title": "지하철역 엘리베이터 고장 정보를 실시간으로 알려주세요",
    "category": "welfare",
    "stage": "answered",
    "support_count": 1520,
    "answer_decision": "accept",
}


class OpenDataPageOut(_Out):
    """A page of published proposals as flat rows, with the licence and the schema of a row."""

    model_config = _example(
        {"licence": {"id": "KOGL-1"}, "schema": {"id": {"type": "string"}}, "items": [_ROW], "next_after": None}
    )

    licence: dict[str, Any]
    schema_: dict[str, Any] = Field(alias="schema")
    generated_at: datetime
    since: datetime | None = None
    items: list[dict[str, Any]]
    next_after: str | None = None


class CatalogueOut(_Out):
    model_config = _example({"datasets": [{"id": "proposals", "formats": {"csv": "/api/open-data/proposals.csv"}}]})

    datasets: list[dict[str, Any]]


@router.get("/api/open-data", response_model=CatalogueOut)
async def catalogue() -> dict[str, Any]:
    """What is published, in which formats, under which licence."""
    return {
        "datasets": [
            {
                "id": "proposals",
                "title": "시민제안 / Citizen proposals",
                "description": "Every published proposal: stage, supports, the department's answer, the "
                "decision vote's result and execution progress. Private, hidden and withdrawn items are left out.",
                "formats": {"json": "/api/open-data/proposals.json", "csv": "/api/open-data/proposals.csv"},
                "incremental": "add ?since=<ISO 8601 time>: only items changed since then",
                "paging": "JSON: ?after=<next_after>&limit=1..1000",
                "snapshots": "/api/open-data/snapshots: the whole dataset frozen once a day (KST), kept 31 "
                "days, as /api/open-data/snapshots/{day}/proposals.csv or .json?chunk=…",
                "licence": "KOGL-1",
                "schema": "/api/open-data/proposals.json?limit=1 (the `schema` field)",
            }
        ]
    }


@router.get("/api/open-data/proposals.json", response_model=OpenDataPageOut)
async def proposals_json(
    up: UpstreamDep,
    since: Annotated[Moment | None, Query(description="Only items changed since (ISO 8601)")] = None,
    after: Annotated[str | None, Query(pattern=REF, description="next_after of the previous page")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    params = {"since": since.isoformat() if since else None, "after": after, "limit": limit}
    return await up.forward(Service.PROPOSAL, "GET", "/open-data/proposals", params=params)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@router.get(
    "/api/open-data/proposals.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def proposals_csv(
    up: UpstreamDep,
    ctx: ContextDep,
    since: Annotated[Moment | None, Query(description="Only items changed since (ISO 8601)")] = None,
) -> Response:
    """Every published proposal (or those changed since `since`) in one UTF-8 CSV file with a
    header row; the licence in the `Link` header."""

    async def pages() -> AsyncIterator[UpstreamReply]:
        after: str | None = None
        for _ in range(CSV_MAX_PAGES):
            params = {"since": since.isoformat() if since else None, "after": after, "limit": CSV_PAGE}
            reply = await up.request(Service.PROPOSAL, "GET", "/open-data/proposals", params=params)
            yield reply
            after = reply.json().get("next_after") if reply.ok else None
            if not after:
                return

    day = ctx.runtime.clock.now().strftime("%Y%m%d")
    return await _csv_file(pages(), f"gongnon-proposals-{day}.csv")


async def _csv_file(pages: AsyncIterator[UpstreamReply], filename: str) -> Response:
    """Pages of rows (each with the schema) as one CSV file; an upstream error is passed on."""
    out = io.StringIO()
    writer = csv.writer(out)
    fields: list[str] | None = None
    async for reply in pages:
        if not reply.ok:
            return reply.to_response()
        page = reply.json()
        if fields is None:
            fields = list(page["schema"])
            writer.writerow(fields)
        writer.writerows([_cell(item.get(f)) for f in fields] for item in page["items"])
    return Response(
        content="\ufeff" + out.getvalue(),  # the BOM: Excel reads the Korean as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Link": '<https://www.kogl.or.kr/info/license.do>; rel="license"',
        },
    )


# --- daily snapshots ------------------------------------------------------------------------


class SnapshotListOut(_Out):
    model_config = _example({"licence": {"id": "KOGL-1"}, "items": [{"day": "2026-12-05", "rows": 1520, "chunks": 2}]})

    licence: dict[str, Any]
    items: list[dict[str, Any]] = Field(
        description="{day, rows, chunks, taken_at, by_agency: {agency: {items, supports}}}, newest first"
    )


class SnapshotPageOut(_Out):
    model_config = _example({"day": "2026-12-05", "rows": 1520, "chunks": 2, "chunk": 0, "items": [_ROW]})

    licence: dict[str, Any]
    schema_: dict[str, Any] = Field(alias="schema")
    day: date
    taken_at: datetime
    rows: int
    chunks: int
    chunk: int
    items: list[dict[str, Any]]
    next_chunk: int | None = None


@router.get("/api/open-data/snapshots", response_model=SnapshotListOut)
async def snapshots(up: UpstreamDep) -> Response:
    """The daily snapshots kept (31 days): the whole dataset frozen once a day (KST)."""
    return await up.forward(Service.PROPOSAL, "GET", "/open-data/snapshots")


@router.get("/api/open-data/snapshots/{day}/proposals.json", response_model=SnapshotPageOut)
async def snapshot_json(
    day: date, up: UpstreamDep, chunk: Annotated[int, Query(ge=0, le=1_000_000, description="next_chunk")] = 0
) -> Response:
    """One chunk (1,000 rows) of the day's snapshot; 404 `no_snapshot` for a day not kept."""
    return await up.forward(Service.PROPOSAL, "GET", f"/open-data/snapshots/{day.isoformat()}", params={"chunk": chunk})


@router.get(
    "/api/open-data/snapshots/{day}/proposals.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def snapshot_csv(day: date, up: UpstreamDep) -> Response:
    """The day's whole snapshot as one CSV file (the same columns as proposals.csv)."""

    async def pages() -> AsyncIterator[UpstreamReply]:
        chunk: int | None = 0
        while chunk is not None and chunk < CSV_MAX_PAGES:
            path = f"/open-data/snapshots/{day.isoformat()}"
            reply = await up.request(Service.PROPOSAL, "GET", path, params={"chunk": chunk})
            yield reply
            chunk = reply.json().get("next_chunk") if reply.ok else None

    return await _csv_file(pages(), f"gongnon-proposals-snapshot-{day.strftime('%Y%m%d')}.csv")
