"""What the service does with debates and consultations, one function per command or event:
load, decide in the domain, record, emit, all inside the caller's transaction (Tx)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope, new_id
from gongnon_contracts.events import (
    BallotClosed,
    DeliberationOpened,
    DeliberationResultPublished,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
)
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.events.deliberations import BallotOption, BallotQuestion
from proposal_svc import handlers
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import deliberation_timeline as dtimeline
from proposal_svc.domain import timeline
from proposal_svc.domain.deliberation import (
    BallotSpec,
    Deliberation,
    DeliberationInvalid,
    DeliberationKind,
    Period,
    Result,
    period_for,
    track_case,
)
from proposal_svc.domain.proposal import CaseStatus
from proposal_svc.domain.rules import Reading

ORGANIZERS = (ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)


@dataclass(frozen=True)
class PeriodAsk:
    """The period as asked; decided against the platform clock inside the transaction."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    days: int | None = None
    allow_short: bool = False


def _period(kind: DeliberationKind, now: datetime, ask: PeriodAsk) -> Period:
    try:
        return period_for(
            kind, now, opens_at=ask.opens_at, closes_at=ask.closes_at, days=ask.days, allow_short=ask.allow_short
        )
    except DeliberationInvalid as exc:
        raise Invalid(exc.message, code=exc.code) from exc


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


def opened_event(d: Deliberation) -> DeliberationOpened:
    return DeliberationOpened(
        item_id=d.id,
        kind=d.kind.value,
        title=d.title,
        category=d.category,
        department_id=d.department_id,
        source_item_id=d.source_item_id,
        vote_type=d.ballot.vote_type.value,
        options=[BallotOption(id=o.id, label=o.label) for o in d.ballot.options],
        questions=[
            BallotQuestion(id=q.id, label=q.label, options=[BallotOption(id=o.id, label=o.label) for o in q.options])
            for q in d.ballot.questions
        ],
        max_choices=d.ballot.max_choices,
        opens_at=d.period.opens_at,
        closes_at=d.period.closes_at,
    )


async def _open(drepo: DeliberationRepository, tx: Tx, d: Deliberation) -> Deliberation:
    await drepo.insert(tx, d)
    await drepo.add_timeline(tx, dtimeline.opened(d))
    # voting-svc defines the ballot from this event; it alone counts the votes.
    tx.emit(opened_event(d), agency=d.agency)
    return d


async def open_consultation(
    drepo: DeliberationRepository,
    tx: Tx,
    actor: Actor,
    *,
    title: str,
    body: str,
    category: str,
    department_id: str | None,
    ballot: BallotSpec,
    ask: PeriodAsk,
) -> Deliberation:
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
        period=_period(DeliberationKind.CONSULTATION, tx.now, ask),
        created_at=tx.now,
        created_by=actor.account_id,
        creator_role=actor.role,
    )
    return await _open(drepo, tx, d)


async def open_debate(
    prepo: ProposalRepository,
    drepo: DeliberationRepository,
    tx: Tx,
    actor: Actor,
    *,
    proposal_id: str,
    title: str | None,
    body: str | None,
    department_id: str | None,
    ballot: BallotSpec,
    ask: PeriodAsk,
) -> Deliberation:
    """An operator opens the public debate of a proposal that reached its debate-candidate rule."""
    actor.require(*ORGANIZERS)
    p = await prepo.get(proposal_id, tx.session)
    if p is None or (actor.role != ActorRole.SUPER_ADMIN and p.agency != actor.agency):
        raise NotFound("no such proposal", code="proposal_not_found")
    if not any(m.get("action") == RuleAction.DEBATE_CANDIDATE.value for m in p.milestones):
        raise Conflict(
            "the proposal has not reached its debate-candidate threshold",
            code="not_debate_candidate",
            details={"next_threshold": p.next_threshold()},
        )
    existing = await drepo.debate_of(p.id, tx.session)
    if existing is not None:
        raise Conflict("the proposal already has a debate", code="debate_exists", details={"debate_id": existing})
    d = Deliberation(
        id=new_id("db_"),
        kind=DeliberationKind.DEBATE,
        agency=p.agency,
        title=title or p.title,
        body=body or p.body,
        category=p.category,
        department_id=department_id,
        ballot=ballot,
        period=_period(DeliberationKind.DEBATE, tx.now, ask),
        created_at=tx.now,
        created_by=actor.account_id,
        creator_role=actor.role,
        source_item_id=p.id,
    )
    await drepo.link_debate(tx, p.id, d.id)
    await prepo.add_timeline(tx, dtimeline.debate_opened_on_proposal(p.id, d))
    return await _open(drepo, tx, d)


# --- voting-svc's counts ---


async def apply_tally(prepo: ProposalRepository, drepo: DeliberationRepository, tx: Tx, ev: TallyUpdated) -> None:
    await apply_tallies(prepo, drepo, tx, [ev])


async def apply_tallies(
    prepo: ProposalRepository, drepo: DeliberationRepository, tx: Tx, events: Sequence[TallyUpdated]
) -> None:
    """Participants (distinct voters) of a debate feed its proposal's debate_participants rules.
    Most snapshots in a batch are proposals' support tallies: one read finds the few that are ours."""
    ours = await drepo.get_many({ev.item_id for ev in events}, tx.session)
    for ev in events:
        d = ours.get(ev.item_id)
        if d is None:  # a proposal's support tally, or an item another service owns
            continue
        await drepo.raise_participants(tx, d.id, ev.total)
        if d.kind == DeliberationKind.DEBATE and d.source_item_id:
            reading = Reading(ev.total, ev.as_of)
            await handlers.apply_reading(prepo, tx, d.source_item_id, Metric.DEBATE_PARTICIPANTS, reading)


async def record_result(
    prepo: ProposalRepository, drepo: DeliberationRepository, tx: Tx, ev: BallotClosed
) -> Result | None:
    """Record the final result voting-svc published, show it on the timeline and send it to the
    department; None when the item is not ours or the result was recorded already."""
    d = await drepo.get(ev.item_id, tx.session)
    if d is None:
        return None
    result = Result(total=ev.total, counts=dict(ev.counts), closed_at=ev.closes_at, published_at=tx.now)
    if not await drepo.record_result(tx, d.id, result):
        return None
    d.result = result
    await drepo.add_timeline(tx, dtimeline.result_published(d, result))
    tx.emit(
        DeliberationResultPublished(
            item_id=d.id,
            kind=d.kind.value,
            title=d.title,
            category=d.category,
            department_id=d.department_id,
            source_item_id=d.source_item_id,
            vote_type=d.ballot.vote_type.value,
            total=result.total,
            counts=dict(result.counts),
            closed_at=result.closed_at,
            published_at=result.published_at,
            answer_due_days=d.answer_due_days,
        ),
        agency=d.agency,
    )
    if d.kind == DeliberationKind.DEBATE and d.source_item_id:
        reading = Reading(ev.total, ev.as_of)
        await handlers.apply_reading(prepo, tx, d.source_item_id, Metric.DEBATE_PARTICIPANTS, reading)
        await prepo.add_timeline(tx, dtimeline.debate_result_on_proposal(d.source_item_id, d, result))
    return result


# --- the department's answer to the result (review-svc) ---


async def case_opened(drepo: DeliberationRepository, tx: Tx, ev: ReviewCaseOpened, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "department_name": ev.department_name, "due_at": ev.due_at}
    if await _track(drepo, tx, ev.item_id, ev.case_id, CaseStatus.OPEN, info):
        entry = timeline.case_opened(ev.item_id, ev.case_id, env.time, ev.department_name, ev.due_at)
        await drepo.add_timeline(tx, entry)


async def answer_submitted(drepo: DeliberationRepository, tx: Tx, ev: ReviewAnswerSubmitted, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "decision": ev.decision}
    if await _track(drepo, tx, ev.item_id, ev.case_id, CaseStatus.AWAITING_APPROVAL, info):
        await drepo.add_timeline(tx, timeline.answer_submitted(ev.item_id, ev.case_id, env.time, ev.decision))


async def answer_published(drepo: DeliberationRepository, tx: Tx, ev: ReviewAnswerPublished, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "department_name": ev.department_name, "decision": ev.decision}
    if await _track(drepo, tx, ev.item_id, ev.case_id, CaseStatus.PUBLISHED, info):
        entry = timeline.answer_published(
            ev.item_id, ev.case_id, ev.published_at, ev.department_name, ev.decision, ev.answer, ev.reason
        )
        await drepo.add_timeline(tx, entry)


async def _track(
    drepo: DeliberationRepository, tx: Tx, item_id: str, case_id: str, status: str, info: dict[str, object]
) -> bool:
    """Move the case forward on the item; False when the item is not a debate or consultation."""
    d = await drepo.get(item_id, tx.session)
    if d is None:
        return False
    if track_case(d.cases, case_id, status, **info):
        await drepo.set_case(tx, d, case_id)
    return True
