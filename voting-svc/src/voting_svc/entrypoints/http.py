"""HTTP API of voting-svc (called only by the gateway). Thin: parse, call the service layer, shape
the reply (views.py). A ballot's parts are the contract's (gongnon_contracts.ballots); what each
kind of ballot may hold is the domain's (422 `invalid_ballot`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gongnon_chassis.actor import Actor, CurrentActor, OptionalActor, RelayCaller
from gongnon_chassis.responses import json_response
from gongnon_contracts.ballots import CHOICES_MAX, OPTIONS_MAX, QUESTIONS_MAX, BallotOption, BallotQuestion
from gongnon_contracts.bounds import COUNT_MAX, KRW_MAX, Moment
from gongnon_contracts.events.agencies import AGENCY_ID_PATTERN
from gongnon_contracts.events.common import ActorRole
from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.domain.decision import QuorumPolicy
from voting_svc.entrypoints.views import ballot_out, support_reply, supported, tally_out, voted
from voting_svc.service_layer.casting import Casting, CastRequest
from voting_svc.service_layer.defining import BallotDefiner
from voting_svc.service_layer.recovery import Reconciler
from voting_svc.service_layer.tally_view import TallyView

ItemId = Annotated[str, Path(min_length=1, max_length=64)]

# The gateway sends the supports that reach it together; it never gathers more than this.
MAX_SUPPORTS_PER_REQUEST = 512


class VoteIn(BaseModel):
    choices: list[str] = Field(default_factory=list, max_length=64)


class BallotIn(BaseModel):
    kind: VoteKind
    options: list[BallotOption] = Field(default_factory=list, max_length=OPTIONS_MAX)
    questions: list[BallotQuestion] = Field(default_factory=list, max_length=QUESTIONS_MAX)
    max_choices: int | None = Field(None, ge=1, le=CHOICES_MAX)
    budget_krw: int | None = Field(None, ge=0, le=KRW_MAX, description="Decision votes: the project's budget")
    krw_per_voter: int | None = Field(None, ge=1, le=KRW_MAX, description="Decision votes: the rule set's quorum rate")
    quorum_min: int | None = Field(None, ge=0, le=COUNT_MAX)
    quorum_max: int | None = Field(None, ge=0, le=COUNT_MAX)
    agency: str | None = Field(
        None, pattern=AGENCY_ID_PATTERN, description="Super admin only: the item's agency (others: their own)"
    )
    source_item_id: str | None = Field(
        None, pattern="^[A-Za-z0-9_-]{1,64}$", description="Decision votes: the item decided on"
    )
    opens_at: Moment | None = None
    closes_at: Moment | None = None

    def ballot(self, item_id: str, agency: str) -> Ballot:
        """The checked ballot (BallotInvalid, 422 `invalid_ballot`, if it cannot be used)."""
        return Ballot.define(
            item_id,
            self.kind,
            agency,
            options=self.options,
            questions=self.questions,
            max_choices=self.max_choices,
            budget_krw=self.budget_krw,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            quorum_policy=self.quorum_policy(),
            source_item_id=self.source_item_id,
        )

    def quorum_policy(self) -> QuorumPolicy | None:
        """The rule set's parameters as the gateway sent them; Seoul's when none are given."""
        if self.kind != VoteKind.DECISION:
            return None
        if self.krw_per_voter is None and self.quorum_min is None and self.quorum_max is None:
            return QuorumPolicy()
        return QuorumPolicy(self.krw_per_voter, self.quorum_min, self.quorum_max)


class SupportIn(BaseModel):
    item_id: str = Field(pattern="^[A-Za-z0-9_-]{1,64}$")
    actor: Actor


class SupportsIn(BaseModel):
    supports: list[SupportIn] = Field(min_length=1, max_length=MAX_SUPPORTS_PER_REQUEST)


class ReconcileIn(BaseModel):
    item_id: str | None = Field(default=None, min_length=1, max_length=64)


def build_router(casting: Casting, tallies: TallyView, definer: BallotDefiner, reconciler: Reconciler) -> APIRouter:
    router = APIRouter(tags=["votes"])

    @router.post("/items/{item_id}/support", status_code=201, response_class=Response)
    async def support(item_id: ItemId, actor: CurrentActor) -> Response:
        """공감: one per verified citizen per item. The gateway sends supports as batches
        (`POST /supports`), which answer each one exactly as this does."""
        accepted = await casting.cast(item_id, actor, (), support=True)
        return json_response(supported(accepted), 201)

    @router.post("/supports")
    async def supports(body: SupportsIn, _: RelayCaller) -> dict[str, Any]:
        """Many citizens' 공감 in one request, each with its own actor; the reply has one
        {status, body} per support, in order, exactly as `POST /items/{id}/support` would answer
        it. The gateway gathers the supports arriving in one turn of its event loop into one such
        request: under a burst, the hop between the two processes is paid once per batch. Only the
        gateway's relay, signed, may send it: the actors in the body are as good as its signature."""
        outcomes = await casting.cast_many([CastRequest(s.item_id, s.actor, support=True) for s in body.supports])
        return {"results": [support_reply(o) for o in outcomes]}

    @router.post("/items/{item_id}/votes", status_code=201)
    async def vote(item_id: ItemId, body: VoteIn, actor: CurrentActor) -> dict[str, Any]:
        """A vote of the item's kind: choices are option ids (research: "question:option")."""
        return voted(await casting.cast(item_id, actor, body.choices))

    @router.get("/items/{item_id}/tally")
    async def tally(item_id: ItemId, _: OptionalActor) -> dict[str, Any]:
        return tally_out(await tallies.read(await casting.ballot(item_id)))

    @router.get("/items/{item_id}/ballot")
    async def ballot(item_id: ItemId, _: OptionalActor) -> dict[str, Any]:
        return ballot_out(await casting.ballot(item_id))

    @router.put("/items/{item_id}/ballot")
    async def define_ballot(item_id: ItemId, body: BallotIn, actor: CurrentActor, response: Response) -> dict[str, Any]:
        """Operator or agency admin: open a ballot of any kind on an item of their agency
        (consultations, debates, decisions)."""
        actor.require(ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)
        # Staff open ballots of their own agency; only the platform's super admin names another.
        agency = body.agency if actor.role == ActorRole.SUPER_ADMIN and body.agency else actor.agency
        defined, created = await definer.define(body.ballot(item_id, agency))
        response.status_code = 201 if created else 200
        return ballot_out(defined)

    @router.post("/admin/reconcile", tags=["ops"])
    async def reconcile(actor: CurrentActor, body: ReconcileIn | None = None) -> dict[str, Any]:
        """Operator: recount from the ledger; repair tallies (emitting tally.updated) and live counters
        (503 `ledger_behind` when the ledger writer does not catch up, `votes_recovering` during a
        restore)."""
        actor.require(ActorRole.OPERATOR)
        # An operator recounts their own agency's items; the platform's super admin any.
        agency = None if actor.role == ActorRole.SUPER_ADMIN else actor.agency
        report = await reconciler.reconcile(body.item_id if body else None, agency)
        return {
            "checked": report.checked,
            "tallies_repaired": report.tallies_repaired,
            "live_repaired": report.live_repaired,
            "busy": report.busy,
        }

    return router
