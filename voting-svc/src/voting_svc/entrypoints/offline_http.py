"""HTTP API of offline ballots (called only by the gateway, which parsed the file and resolved
every identity to a citizen key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gongnon_chassis.actor import CurrentActor
from voting_svc.domain.offline import OfflineLine, Reject, RejectReason
from voting_svc.entrypoints.views import report_out
from voting_svc.service_layer.offline import OfflineImporter

ItemId = Annotated[str, Path(min_length=1, max_length=64)]
ImportId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
MAX_LINES = 200_000
LINE_MAX = 2**31 - 1  # a line number of the uploaded file: far beyond any file the gateway takes


class OfflineVoteIn(BaseModel):
    line: int = Field(ge=1, le=LINE_MAX)
    citizen_key: str = Field(min_length=1, max_length=128)
    choices: list[str] = Field(default_factory=list, max_length=64)


class RejectIn(BaseModel):
    line: int = Field(ge=1, le=LINE_MAX)
    reason: RejectReason
    message: str = Field("", max_length=300)


class OfflineBatchIn(BaseModel):
    import_id: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the uploaded file")
    source_name: str = Field("", max_length=200, description="The uploaded file's name, for the report")
    votes: list[OfflineVoteIn] = Field(default_factory=list, max_length=MAX_LINES)
    rejects: list[RejectIn] = Field(default_factory=list, max_length=MAX_LINES)


def build_offline_router(importer: OfflineImporter) -> APIRouter:
    router = APIRouter(tags=["offline ballots"])

    @router.post("/items/{item_id}/offline-ballots", status_code=201)
    async def import_offline(
        item_id: ItemId, body: OfflineBatchIn, actor: CurrentActor, response: Response
    ) -> dict[str, Any]:
        """Operator: record a batch of paper ballots. 201 with the report; the same file again → 200
        with the first report (`replayed: true`), nothing counted twice."""
        outcome = await importer.run(
            item_id,
            actor,
            body.import_id,
            [OfflineLine(v.line, v.citizen_key, tuple(v.choices)) for v in body.votes],
            [Reject(r.line, r.reason, r.message) for r in body.rejects],
            body.source_name,
        )
        response.status_code = 201 if outcome.created else 200
        return report_out(outcome.report, replayed=not outcome.created)

    @router.get("/items/{item_id}/offline-ballots/{import_id}")
    async def get_import(item_id: ItemId, import_id: ImportId, actor: CurrentActor) -> dict[str, Any]:
        """Operator: the report of a completed import."""
        return report_out(await importer.report(item_id, import_id, actor), replayed=True)

    return router
