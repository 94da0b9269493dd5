"""유사제안: while a citizen writes, the most similar existing proposals (proposal-svc ranks them)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gongnon_gateway.api.deps import OptionalAccount, UpstreamDep
from gongnon_gateway.api.responses import SimilarOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["proposals"], responses=ERROR_RESPONSES)


class SimilarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=2, max_length=120)
    body: str | None = Field(None, max_length=10_000)
    limit: int = Field(5, ge=1, le=10)
    agency: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9\-]{1,39}$", description="The agency written to (default: the caller's)"
    )


@router.post("/api/proposals/similar", response_model=SimilarOut)
async def similar_proposals(body: SimilarIn, me: OptionalAccount, up: UpstreamDep) -> Response:
    """{items: [{id, title, score, support_count, stage}]}: anyone may ask, signed in or not."""
    return await up.forward(
        Service.PROPOSAL, "POST", "/proposals/similar", actor=me, json_body=body.model_dump(exclude_none=True)
    )
