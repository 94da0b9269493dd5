"""HTTP API of debates (시민토론) and city consultations (서울시가 묻습니다), called by the gateway
only. Thin: validate, call a use case in one transaction, shape the reply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.errors import Conflict, Invalid, NotFound
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts.bounds import Moment
from gongnon_contracts.reference import POLICY_CATEGORIES
from proposal_svc import deliberation_views as views
from proposal_svc import deliberations
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.deliberations import PeriodAsk
from proposal_svc.domain.deliberation import (
    MAX_DAYS,
    BallotSpec,
    Deliberation,
    DeliberationInvalid,
    DeliberationKind,
    Option,
    Question,
    VoteType,
)
from proposal_svc.domain.proposal import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=TITLE_MIN, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=BODY_MIN, max_length=BODY_MAX)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
RefId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionIn(_In):
    id: Key
    label: Label


class QuestionIn(_In):
    id: Key
    label: Label
    options: list[OptionIn] = Field(min_length=2, max_length=32)


class BallotIn(_In):
    vote_type: VoteType = Field(description="choice 찬반형, discussion 토론형, research 리서치형, multi 문답형")
    options: list[OptionIn] = Field(default_factory=list, max_length=32, description="choice: yes/no/other labels")
    questions: list[QuestionIn] = Field(default_factory=list, max_length=32, description="research only")
    max_choices: int | None = Field(None, ge=1, le=32, description="multi: pick up to this many (default 3)")
    opens_at: Moment | None = Field(None, description="Default: now")
    closes_at: Moment | None = Field(None, description="Or give days")
    days: int | None = Field(None, ge=1, le=MAX_DAYS, description="Length of the period (default 30)")

    def spec(self) -> BallotSpec:
        try:
            return BallotSpec.define(
                self.vote_type,
                [Option(o.id, o.label) for o in self.options],
                [Question(q.id, q.label, tuple(Option(o.id, o.label) for o in q.options)) for q in self.questions],
                self.max_choices,
            )
        except DeliberationInvalid as exc:
            raise Invalid(exc.message, code=exc.code) from exc


class ConsultationIn(BallotIn):
    title: Title
    body: Body
    category: str = Field(description="A key of POLICY_CATEGORIES (정책분류)")
    department_id: RefId | None = Field(None, description="The asking department (officers: their own)")
    allow_short_period: bool = Field(False, description="Operator only: run shorter than 30 days")

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in POLICY_CATEGORIES:
            raise ValueError(f"unknown category; one of {', '.join(POLICY_CATEGORIES)}")
        return v


class DebateIn(BallotIn):
    proposal_id: RefId
    title: Title | None = Field(None, description="Default: the proposal's title")
    body: Body | None = Field(None, description="Default: the proposal's text")
    department_id: RefId | None = Field(None, description="Default: the department mapped to its category")


# Module level: with postponed annotations FastAPI resolves these names in the module.
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")]


def build_deliberation_router(rt: Runtime, prepo: ProposalRepository, drepo: DeliberationRepository) -> APIRouter:
    router = APIRouter(tags=["deliberations"])

    async def _create(fn: Any) -> dict[str, Any]:
        try:
            d: Deliberation = await rt.store.transaction(fn)
        except DuplicateKeyError as exc:  # two operators opened the same proposal's debate at once
            raise Conflict("the proposal already has a debate", code="debate_exists") from exc
        return views.detail(d, rt.clock.now())

    @router.post("/consultations", status_code=201)
    async def open_consultation(body: ConsultationIn, actor: CurrentActor) -> dict[str, Any]:
        """서울시가 묻습니다: a department officer (their own department) or an operator asks."""
        spec = body.spec()
        ask = PeriodAsk(body.opens_at, body.closes_at, body.days, body.allow_short_period)

        async def tx_fn(tx: Tx) -> Deliberation:
            return await deliberations.open_consultation(
                drepo,
                tx,
                actor,
                title=body.title,
                body=body.body,
                category=body.category,
                department_id=body.department_id,
                ballot=spec,
                ask=ask,
            )

        return await _create(tx_fn)

    @router.post("/debates", status_code=201)
    async def open_debate(body: DebateIn, actor: CurrentActor) -> dict[str, Any]:
        """시민토론: an operator opens the debate of a proposal that became a debate candidate."""
        spec = body.spec()
        ask = PeriodAsk(body.opens_at, body.closes_at, body.days)

        async def tx_fn(tx: Tx) -> Deliberation:
            return await deliberations.open_debate(
                prepo,
                drepo,
                tx,
                actor,
                proposal_id=body.proposal_id,
                title=body.title,
                body=body.body,
                department_id=body.department_id,
                ballot=spec,
                ask=ask,
            )

        return await _create(tx_fn)

    async def _page(kind: DeliberationKind, limit: int, cursor: str | None) -> dict[str, Any]:
        scope = f"{kind.value}s"  # a cursor holds the last id shown, sealed for its own list
        found = await drepo.page(kind, rt.cursors.open_id(scope, cursor) if cursor else None, limit + 1)
        page = found[:limit]
        now = rt.clock.now()
        return {
            "items": [views.card(d, now) for d in page],
            "next_cursor": rt.cursors.seal_id(scope, page[-1].id) if len(found) > limit else None,
        }

    @router.get("/consultations")
    async def list_consultations(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
        return await _page(DeliberationKind.CONSULTATION, limit, cursor)

    @router.get("/debates")
    async def list_debates(limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
        return await _page(DeliberationKind.DEBATE, limit, cursor)

    async def _found(item_id: str, kind: DeliberationKind | None = None) -> Deliberation:
        d = await drepo.get(item_id)
        if d is None or (kind is not None and d.kind != kind):
            raise NotFound(f"no such {kind.value if kind else 'debate or consultation'}", code="item_not_found")
        return d

    @router.get("/consultations/{item_id}")
    async def get_consultation(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await _found(item_id, DeliberationKind.CONSULTATION), rt.clock.now())

    @router.get("/debates/{item_id}")
    async def get_debate(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await _found(item_id, DeliberationKind.DEBATE), rt.clock.now())

    @router.get("/deliberations/{item_id}")
    async def get_deliberation(item_id: ItemId) -> dict[str, Any]:
        return views.detail(await _found(item_id), rt.clock.now())

    @router.get("/deliberations/{item_id}/results")
    async def get_results(item_id: ItemId) -> dict[str, Any]:
        """The final result once voting-svc published it (`published: false` before)."""
        return views.results(await _found(item_id), rt.clock.now())

    @router.get("/deliberations/{item_id}/timeline")
    async def get_timeline(item_id: ItemId) -> dict[str, Any]:
        await _found(item_id)
        keys = ("at", "kind", "actor_role", "summary", "data")
        return {"items": [{k: doc[k] for k in keys} for doc in await drepo.timeline(item_id)]}

    return router
