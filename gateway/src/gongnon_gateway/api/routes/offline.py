"""Offline ballots (현장 투표): an operator uploads the CSV of paper ballots collected at offices;
the gateway resolves every identity and voting-svc records the votes and reports line by line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gongnon_chassis.errors import Forbidden, Invalid, Unavailable
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.api.deps import ContextDep, CurrentAccount, ItemIdPath, UpstreamDep
from gongnon_gateway.api.responses import OfflineImportOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.offline_ballots import parse_batch
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["offline ballots"], responses=ERROR_RESPONSES)

ImportIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The import id (SHA-256 of the file)")]
IMPORT_TIMEOUT_S = 300.0  # 100,000 lines take seconds; a slow disk or broker may take longer
_STAFF = frozenset({ActorRole.OPERATOR, ActorRole.SUPER_ADMIN})


async def _file_of(request: Request) -> tuple[bytes, str]:
    """(the file's bytes, its name): a multipart upload (field `file`, or the only file) or the raw
    body (text/csv)."""
    # The edge (core/edges.py) has refused a body over the file limit, declared or streamed.
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            upload = next((v for _, v in form.multi_items() if isinstance(v, UploadFile)), None)
        if upload is None:
            raise Invalid("attach the CSV file as the form field 'file'", code="file_required")
        return await upload.read(), upload.filename or ""
    raw = await request.body()
    if not raw:
        raise Invalid("send the CSV as the request body (text/csv) or as a multipart upload", code="file_required")
    return raw, request.headers.get("x-file-name", "")[:200]


@router.post("/api/items/{item_id}/offline-ballots", status_code=201, response_model=OfflineImportOut)
async def import_offline_ballots(
    item_id: ItemIdPath, request: Request, me: CurrentAccount, ctx: ContextDep, up: UpstreamDep
) -> Response:
    """Operator: import paper ballots from a CSV (header row; `citizen_key`, or `name`,
    `birth_date`, `phone`; plus `choice` for ballots with options). 201 with the report
    {import_id, lines, accepted, rejected, reasons, rejects: [{line, reason, message}]}; the same
    file again → 200 with the first report (`replayed: true`), nothing counted twice."""
    if me.role not in _STAFF:
        raise Forbidden("only an operator imports offline ballots")
    if ctx.identity is None:
        raise Unavailable("identity verification is not configured", code="identity_unavailable")
    raw, name = await _file_of(request)
    batch = await parse_batch(raw, ctx.identity)
    reply = await up.request(
        Service.VOTING,
        "POST",
        f"/items/{item_id}/offline-ballots",
        actor=me,
        json_body=batch.body(name[:200]),
        timeout_s=IMPORT_TIMEOUT_S,
    )
    return reply.to_response()


@router.get("/api/items/{item_id}/offline-ballots/{import_id}", response_model=OfflineImportOut)
async def get_offline_import(
    item_id: ItemIdPath, import_id: ImportIdPath, me: CurrentAccount, up: UpstreamDep
) -> Response:
    """Operator: the report of a completed import."""
    return await up.forward(Service.VOTING, "GET", f"/items/{item_id}/offline-ballots/{import_id}", actor=me)
