"""HTTP API of voting-svc (called only by the gateway)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gongnon_chassis.actor import Actor, CurrentActor, OptionalActor
from gongnon_chassis.errors import DomainError, Unavailable, error_body, status_of
from gongnon_chassis.responses import json_response
from gongnon_contracts.bounds import KRW_MAX, Moment
from gongnon_contracts.events.common import ActorRole
from voting_svc.adapters.kafka_offsets import CatchUpTimeout
from voting_svc.casting import Accepted, Casting, CastRequest, Outcome
from voting_svc.defining import BallotDefiner
from voting_svc.domain.ballot import Ballot, Option, Question, VoteKind
from voting_svc.recovery import Reconciler, RestoreInProgress
from voting_svc.views import TallyView

log = logging.getLogger(__name__)

ItemId = Annotated[str, Path(min_length=1, max_length=64)]

# The gateway sends the supports that reach it together; it never gathers more than this.
MAX_SUPPORTS_PER_REQUEST = 512


class VoteIn(BaseModel):
    choices: list[str] = Field(default_factory=list, max_length=64)


class OptionIn(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    label: str = Field(min_length=1, max_length=200)


class QuestionIn(OptionIn):
    options: list[OptionIn] = Field(min_length=2, max_length=32)


class BallotIn(BaseModel):
    kind: VoteKind
    options: list[OptionIn] = Field(default_factory=list, max_length=32)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=32)
    max_choices: int | None = Field(None, ge=1, le=32)
    budget_krw: int | None = Field(None, ge=0, le=KRW_MAX, description="Decision votes: the project's budget")
    opens_at: Moment | None = None
    closes_at: Moment | None = None


class SupportIn(BaseModel):
    item_id: str = Field(pattern="^[A-Za-z0-9_-]{1,64}$")
    actor: Actor


class SupportsIn(BaseModel):
    supports: list[SupportIn] = Field(min_length=1, max_length=MAX_SUPPORTS_PER_REQUEST)


class ReconcileIn(BaseModel):
    item_id: str | None = Field(default=None, min_length=1, max_length=64)


def ballot_out(b: Ballot) -> dict[str, Any]:
    return {
        "item_id": b.item_id,
        "kind": b.kind.value,
        "agency": b.agency,
        "status": b.status.value,
        "options": [{"id": o.id, "label": o.label} for o in b.options],
        "questions": [
            {"id": q.id, "label": q.label, "options": [{"id": o.id, "label": o.label} for o in q.options]}
            for q in b.questions
        ],
        "max_choices": b.max_choices,
        "budget_krw": b.budget_krw,
        "opens_at": b.opens_at.isoformat() if b.opens_at else None,
        "closes_at": b.closes_at.isoformat() if b.closes_at else None,
    }


def supported(accepted: Accepted) -> dict[str, Any]:
    return {"item_id": accepted.item_id, "counted": True, "total": accepted.total}


def support_reply(outcome: Outcome) -> dict[str, Any]:
    """One support of a batch, answered as its own request would have been: {status, body}."""
    if isinstance(outcome, DomainError):
        return {"status": status_of(outcome), "body": error_body(outcome.code, outcome.message, outcome.details)}
    return {"status": 201, "body": supported(outcome)}


def build_router(casting: Casting, tallies: TallyView, definer: BallotDefiner, reconciler: Reconciler) -> APIRouter:
    router = APIRouter(tags=["votes"])

    @router.post("/items/{item_id}/support", status_code=201, response_class=Response)
    async def support(item_id: ItemId, actor: CurrentActor) -> Response:
        """공감: one per verified citizen per item. The gateway sends supports as batches
        (`POST /supports`), which answer each one exactly as this does."""
        accepted = await casting.cast(item_id, actor, (), support=True)
        return json_response(supported(accepted), 201)

    @router.post("/supports")
    async def supports(body: SupportsIn) -> dict[str, Any]:
        """Many citizens' 공감 in one request, each with its own actor; the reply has one
        {status, body} per support, in order, exactly as `POST /items/{id}/support` would answer
        it. The gateway gathers the supports arriving in one turn of its event loop into one such
        request: under a burst, the hop between the two processes is paid once per batch."""
        outcomes = await casting.cast_many([CastRequest(s.item_id, s.actor, support=True) for s in body.supports])
        return {"results": [support_reply(o) for o in outcomes]}

    @router.post("/items/{item_id}/votes", status_code=201)
    async def vote(item_id: ItemId, body: VoteIn, actor: CurrentActor) -> dict[str, Any]:
        """A vote of the item's kind: choices are option ids (research: "question:option")."""
        accepted = await casting.cast(item_id, actor, body.choices)
        return {"item_id": accepted.item_id, "kind": accepted.kind, "counted": True, "total": accepted.total}

    @router.get("/items/{item_id}/tally")
    async def tally(item_id: ItemId, _: OptionalActor) -> dict[str, Any]:
        return await tallies.read(await casting.ballot(item_id))

    @router.get("/items/{item_id}/ballot")
    async def ballot(item_id: ItemId, _: OptionalActor) -> dict[str, Any]:
        return ballot_out(await casting.ballot(item_id))

    @router.put("/items/{item_id}/ballot")
    async def define_ballot(item_id: ItemId, body: BallotIn, actor: CurrentActor, response: Response) -> dict[str, Any]:
        """Operator: open a ballot of any kind on an item (consultations, debates, decisions)."""
        actor.require(ActorRole.OPERATOR)
        defined, created = await definer.define(
            item_id,
            body.kind,
            actor.agency,
            options=[Option(o.id, o.label) for o in body.options],
            questions=[
                Question(q.id, q.label, tuple(Option(o.id, o.label) for o in q.options)) for q in body.questions
            ],
            max_choices=body.max_choices,
            budget_krw=body.budget_krw,
            opens_at=body.opens_at,
            closes_at=body.closes_at,
        )
        response.status_code = 201 if created else 200
        return ballot_out(defined)

    @router.post("/admin/reconcile", tags=["ops"])
    async def reconcile(actor: CurrentActor, body: ReconcileIn | None = None) -> dict[str, Any]:
        """Operator: recount from the ledger; repair tallies (emitting tally.updated) and live counters."""
        actor.require(ActorRole.OPERATOR)
        try:
            report = await reconciler.reconcile(body.item_id if body else None)
        except CatchUpTimeout as exc:
            raise Unavailable(str(exc), code="ledger_behind") from exc
        except RestoreInProgress as exc:
            raise Unavailable(str(exc), code="votes_recovering") from exc
        return {
            "checked": report.checked,
            "tallies_repaired": report.tallies_repaired,
            "live_repaired": report.live_repaired,
            "busy": report.busy,
        }

    return router
