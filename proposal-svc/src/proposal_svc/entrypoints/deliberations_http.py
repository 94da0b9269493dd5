"""HTTP API of debates (시민토론) and city consultations (서울시가 묻습니다), called by the gateway
only. Thin: validate, call the service layer, shape the reply. A ballot's parts are the contract's
(gongnon_contracts.ballots); what each vote type may hold is the domain's (422 `invalid_ballot`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gongnon_chassis.actor import CurrentActor
from gongnon_contracts.ballots import CHOICES_MAX, OPTIONS_MAX, QUESTIONS_MAX, BallotOption, BallotQuestion
from gongnon_contracts.bounds import Moment
from proposal_svc.domain.deliberation import MAX_DAYS, BallotSpec, DeliberationKind, PeriodAsk, VoteType
from proposal_svc.entrypoints import deliberation_views as views
from proposal_svc.entrypoints.fields import Body, Category, ItemId, RefId, Title
from proposal_svc.entrypoints.views import timeline_entry
from proposal_svc.service_layer.deliberations import DeliberationService


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BallotIn(_In):
    vote_type: VoteType = Field(description="choice 찬반형, discussion 토론형, research 리서치형, multi 문답형")
    options: list[BallotOption] = Field(
        default_factory=list, max_length=OPTIONS_MAX, description="choice: yes/no/other labels"
    )
    questions: list[BallotQuestion] = Field(default_factory=list, max_length=QUESTIONS_MAX, description="research only")
    max_choices: int | None = Field(None, ge=1, le=CHOICES_MAX, description="multi: pick up to this many (default 3)")
    opens_at: Moment | None = Field(None, description="Default: now")
    closes_at: Moment | None = Field(None, description="Or give days")
    days: int | None = Field(None, ge=1, le=MAX_DAYS, description="Length of the period (default 30)")

    def spec(self) -> BallotSpec:
        return BallotSpec.define(self.vote_type, self.options, self.questions, self.max_choices)


class ConsultationIn(BallotIn):
    title: Title
    body: Body
    category: Category = Field(description="A key of POLICY_CATEGORIES (정책분류)")
    department_id: RefId | None = Field(None, description="The asking department (officers: their own)")
    allow_short_period: bool = Field(False, description="Operator only: run shorter than 30 days")


class DebateIn(BallotIn):
    proposal_id: RefId
    title: Title | None = Field(None, description="Default: the proposal's title")
    body: Body | None = Field(None, description="Default: the proposal's text")
    department_id: RefId | None = Field(None, description="Default: the department mapped to its category")


# Module level: with postponed annotations FastAPI resolves these names in the module.
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")]


def build_deliberation_router(deliberations: DeliberationService, now: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(tags=["deliberations"])

    @router.post("/consultations", status_code=201)
    async def open_consultation(body: ConsultationIn, actor: CurrentActor) -> dict[str, Any]:
        """서울시가 묻습니다: a department officer (their own department) or an operator asks."""
        d = await deliberations.open_consultation(
            actor,
            title=body.title,
            body=body.body,
            category=body.category,
            department_id=body.department_id,
            ballot=body.spec(),
            ask=PeriodAsk(body.opens_at, body.closes_at, body.days, body.allow_short_period),
        )
        return views.detail(d, now())

    @router.post("/debates", status_code=201)
    async def open_debate(body: DebateIn, actor: CurrentActor) -> dict[str, Any]:
        """시민토론: an operator opens the debate of a proposal that became a debate candidate."""
        d = await deliberations.open_debate(
            actor,
            proposal_id=body.proposal_id,
            title=body.title,
            body=body.body,
            department_id=body.department_id,
            ballot=body.spec(),
            ask=PeriodAsk(body.opens_at, body.closes_at, body.days),
        )
        return views.detail(d, now())

    async def _page(kind: DeliberationKind, limit: int, cursor: str | None) -> dict[str, Any]:
        return views.card_page(await deliberations.page(kind, cursor, limit))

    @router.get("/consultations")
    async def list_consultations(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
        return await _page(DeliberationKind.CONSULTATION, limit, cursor)

    @router.get("/debates")
    async def list_debates(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
        return await _page(DeliberationKind.DEBATE, limit, cursor)

    @router.get("/consultations/{item_id}")
    async def get_consultation(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await deliberations.get(item_id, DeliberationKind.CONSULTATION), now())

    @router.get("/debates/{item_id}")
    async def get_debate(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await deliberations.get(item_id, DeliberationKind.DEBATE), now())

    @router.get("/deliberations/{item_id}")
    async def get_deliberation(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await deliberations.get(item_id), now())

    @router.get("/deliberations/{item_id}/results")
    async def get_results(item_id: ItemId) -> dict[str, Any]:
        """The final result once voting-svc published it (`published: false` before)."""
        return views.results(await deliberations.get(item_id), now())

    @router.get("/deliberations/{item_id}/timeline")
    async def get_timeline(item_id: ItemId) -> dict[str, Any]:
        return {"items": [timeline_entry(doc) for doc in await deliberations.timeline(item_id)]}

    return router
