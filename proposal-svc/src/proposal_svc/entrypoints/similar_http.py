"""POST /proposals/similar: while a citizen writes, the existing proposals most like it (유사제안).

Anyone may ask (no actor needed); the answer covers the caller's agency (the default agency for
an anonymous caller) and only proposals the public lists show."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gongnon_chassis.actor import OptionalActor
from proposal_svc.domain.proposal import BODY_MAX, TITLE_MAX
from proposal_svc.entrypoints.fields import AGENCY_PATTERN
from proposal_svc.service_layer.similar import SimilarService

LIMIT_MAX, LIMIT_DEFAULT = 10, 5

# While writing, the title may still be short; the body may not be there yet.
DraftTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=TITLE_MAX)]
DraftBody = Annotated[str, StringConstraints(strip_whitespace=True, max_length=BODY_MAX)]


class SimilarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: DraftTitle
    body: DraftBody = ""
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    agency: str | None = Field(None, pattern=AGENCY_PATTERN)  # the agency written to


def build_similar_router(similar: SimilarService) -> APIRouter:
    router = APIRouter(tags=["proposals"])

    @router.post("/proposals/similar")
    async def similar_proposals(draft: SimilarIn, actor: OptionalActor) -> dict[str, Any]:
        hints = await similar.hints(actor, draft.title, draft.body, draft.limit, draft.agency)
        return {"items": [asdict(h) for h in hints]}

    return router
