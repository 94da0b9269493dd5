"""Debates (시민토론) and city consultations (서울시가 묻습니다): opening one with its ballot, reading
them, and recording the result voting-svc published. voting-svc defines the ballot from
`deliberation.opened` and alone counts the votes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

from gongnon_chassis.actor import Actor
from gongnon_chassis.cursors import CursorSigner
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import BallotClosed, DeliberationOpened, DeliberationResultPublished
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.refusals import Conflict, Forbidden, NotFound
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import deliberation_timeline as dtimeline
from proposal_svc.domain.deliberation import BallotSpec, Deliberation, DeliberationKind, PeriodAsk, Result
from proposal_svc.domain.rules import Reading
from proposal_svc.service_layer.pages import Page
from proposal_svc.service_layer.tallies import TallyService

ORGANIZERS = (ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)


def consultation_department(actor: Actor, department_id: str | None, allow_short: bool) -> str | None:
    """Who may ask the city's question: a department's officer (for their own department) or an
    operator; only an operator may run one shorter than 30 days."""
    if actor.role == ActorRole.OFFICER:
        if not actor.department_id:
            raise Forbidden("an officer account without a department cannot ask", code="no_department")
        if department_id not in (None, actor.department_id):
            raise Forbidden("officers ask only for their own department", code="not_your_department")
        if allow_short:
            raise Forbidden("only an operator may run a consultation shorter than 30 days", code="override_forbidden")
        return actor.department_id
    actor.require(*ORGANIZERS)
    return department_id


def _about(d: Deliberation) -> dict[str, Any]:
    """What every event of a debate or consultation says about it."""
    return {
        "item_id": d.id,
        "kind": d.kind.value,
        "title": d.title,
        "category": d.category,
        "department_id": d.department_id,
        "source_item_id": d.source_item_id,
        "vote_type": d.ballot.vote_type.value,
    }


def opened_event(d: Deliberation) -> DeliberationOpened:
    return DeliberationOpened(
        **_about(d),
        options=list(d.ballot.options),
        questions=list(d.ballot.questions),
        max_choices=d.ballot.max_choices,
        opens_at=d.period.opens_at,
        closes_at=d.period.closes_at,
    )


def result_event(d: Deliberation, r: Result) -> DeliberationResultPublished:
    return DeliberationResultPublished(
        **_about(d),
        total=r.total,
        counts=dict(r.counts),
        closed_at=r.closed_at,
        published_at=r.published_at,
        answer_due_days=d.answer_due_days,
    )


@dataclass
class DeliberationService:
    store: Store
    proposals: ProposalRepository
    deliberations: DeliberationRepository
    tallies: TallyService
    cursors: CursorSigner

    # --- opening ---

    async def open_consultation(
        self,
        actor: Actor,
        *,
        title: str,
        body: str,
        category: str,
        department_id: str | None,
        ballot: BallotSpec,
        ask: PeriodAsk,
    ) -> Deliberation:
        """서울시가 묻습니다: a department officer (their own department) or an operator asks."""

        async def create(tx: Tx) -> Deliberation:
            department = consultation_department(actor, department_id, ask.allow_short)
            d = Deliberation(
                id=new_id("cs_"),
                kind=DeliberationKind.CONSULTATION,
                agency=actor.agency,
                title=title,
                body=body,
                category=category,
                department_id=department,
                ballot=ballot,
                period=ask.period(DeliberationKind.CONSULTATION, tx.now),
                created_at=tx.now,
                created_by=actor.account_id,
                creator_role=actor.role,
            )
            return await self._open(tx, d)

        return await self._create(create)

    async def open_debate(
        self,
        actor: Actor,
        *,
        proposal_id: str,
        title: str | None,
        body: str | None,
        department_id: str | None,
        ballot: BallotSpec,
        ask: PeriodAsk,
    ) -> Deliberation:
        """시민토론: an operator opens the public debate of a proposal that reached its
        debate-candidate rule."""

        async def create(tx: Tx) -> Deliberation:
            actor.require(*ORGANIZERS)
            p = await self.proposals.get(proposal_id, tx.session)
            if p is None or (actor.role != ActorRole.SUPER_ADMIN and p.agency != actor.agency):
                raise NotFound("no such proposal", code="proposal_not_found")
            if not any(m.get("action") == RuleAction.DEBATE_CANDIDATE.value for m in p.milestones):
                raise Conflict(
                    "the proposal has not reached its debate-candidate threshold",
                    code="not_debate_candidate",
                    details={"next_threshold": p.next_threshold()},
                )
            existing = await self.deliberations.debate_of(p.id, tx.session)
            if existing is not None:
                raise Conflict(
                    "the proposal already has a debate", code="debate_exists", details={"debate_id": existing}
                )
            d = Deliberation(
                id=new_id("db_"),
                kind=DeliberationKind.DEBATE,
                agency=p.agency,
                title=title or p.title,
                body=body or p.body,
                category=p.category,
                department_id=department_id,
                ballot=ballot,
                period=ask.period(DeliberationKind.DEBATE, tx.now),
                created_at=tx.now,
                created_by=actor.account_id,
                creator_role=actor.role,
                source_item_id=p.id,
            )
            await self.deliberations.link_debate(tx, p.id, d.id)
            await self.proposals.add_timeline(tx, dtimeline.debate_opened_on_proposal(p.id, d))
            return await self._open(tx, d)

        return await self._create(create)

    async def _open(self, tx: Tx, d: Deliberation) -> Deliberation:
        await self.deliberations.insert(tx, d, dtimeline.opened(d))
        # voting-svc defines the ballot from this event; it alone counts the votes.
        tx.emit(opened_event(d), agency=d.agency)
        return d

    async def _create(self, create: Callable[[Tx], Awaitable[Deliberation]]) -> Deliberation:
        try:
            return await self.store.transaction(create)
        except DuplicateKeyError as exc:  # two operators opened the same proposal's debate at once
            raise Conflict("the proposal already has a debate", code="debate_exists") from exc

    # --- reading ---

    async def page(self, kind: DeliberationKind, cursor: str | None, limit: int) -> Page[Deliberation]:
        """One kind, newest first."""
        scope = f"{kind.value}s"  # a cursor holds the last id shown, sealed for its own list
        found = await self.deliberations.page(kind, self.cursors.open_id(scope, cursor) if cursor else None, limit + 1)
        shown = found[:limit]
        next_cursor = self.cursors.seal_id(scope, shown[-1].id) if len(found) > limit else None
        return Page(shown, next_cursor, self.store.clock.now())

    async def get(self, item_id: str, kind: DeliberationKind | None = None) -> Deliberation:
        d = await self.deliberations.get(item_id)
        if d is None or (kind is not None and d.kind != kind):
            raise NotFound(f"no such {kind.value if kind else 'debate or consultation'}", code="item_not_found")
        return d

    async def timeline(self, item_id: str) -> list[dict[str, Any]]:
        await self.get(item_id)
        return await self.deliberations.timeline(item_id)

    # --- voting-svc's result ---

    async def record_result(self, tx: Tx, ev: BallotClosed) -> Result | None:
        """Record the final result voting-svc published, show it on the timeline and send it to the
        department; None when the item is not ours or the result was recorded already."""
        d = await self.deliberations.get(ev.item_id, tx.session)
        if d is None:
            return None
        result = Result(total=ev.total, counts=dict(ev.counts), closed_at=ev.closes_at, published_at=tx.now)
        if not await self.deliberations.record_result(tx, d, result, dtimeline.result_published(d, result)):
            return None
        d.result = result
        tx.emit(result_event(d, result), agency=d.agency)
        if d.kind == DeliberationKind.DEBATE and d.source_item_id:
            reading = Reading(ev.total, ev.as_of)
            await self.tallies.apply_reading(tx, d.source_item_id, Metric.DEBATE_PARTICIPANTS, reading)
            await self.proposals.add_timeline(tx, dtimeline.debate_result_on_proposal(d.source_item_id, d, result))
        return result
