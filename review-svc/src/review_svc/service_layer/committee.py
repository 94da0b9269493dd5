"""Committee (제안실현위원회) and execution (실행) use cases. Every change and its events commit
together (Store.transaction); the decision vote's result arrives as an event and is applied once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden, Invalid, NotFound
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import EventData, new_id
from gongnon_contracts.decision import SEOUL_KRW_PER_VOTER, SEOUL_QUORUM_MAX, SEOUL_QUORUM_MIN
from gongnon_contracts.events import (
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    DecisionVoteDecided,
    DecisionVoteRequested,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionReportPublished,
    ExecutionStarted,
)
from gongnon_contracts.events.common import ActorRole
from review_svc.adapters.cases import CaseRepository
from review_svc.adapters.committee import CommitteeRepository
from review_svc.adapters.departments import DepartmentRepository
from review_svc.domain import access
from review_svc.domain.access import Caller
from review_svc.domain.committee import (
    DECIDING,
    DECISION_VOTE_DAYS,
    Agenda,
    AgendaStatus,
    BudgetTrack,
    SelectionRule,
    Verdict,
    rank_agendas,
)
from review_svc.domain.execution import (
    MAX_ATTACHMENTS,
    AttachmentMeta,
    Execution,
    ExecutionStatus,
    Milestone,
    Report,
    check_attachment,
)
from review_svc.service_layer.cases import CaseService

AgendaChange = Callable[[Agenda, Caller, Tx], list[EventData]]
SELECTION_BATCH = 500  # agenda items one selection round looks at


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass
class CommitteeService:
    store: Store
    committee: CommitteeRepository
    cases: CaseRepository
    departments: DepartmentRepository
    callers: CaseService  # who is calling (the head's office) is decided in one place

    # -- 이슈 등록 -----------------------------------------------------------------------------

    async def flag(self, actor: Actor, case_id: str) -> Agenda:
        """An operator puts an accepted proposal on the committee's agenda (idempotent: the item's
        agenda item when it is there already)."""
        caller = await self.callers.caller(actor)

        async def body(tx: Tx) -> Agenda:
            case = await self.cases.get(case_id, tx.session)
            if case is None:
                raise NotFound("no such review case", code="case_not_found")
            access.require_operator(caller)
            access.require_same_agency(caller, case.agency)
            existing = await self.committee.agenda_of_item(case.item_id, tx.session)
            if existing is not None:
                return existing
            agenda = Agenda.flag(agenda_id=new_id("agenda_"), case=case, by=caller, now=tx.now)
            await self.committee.insert_agenda(agenda, tx.session)
            tx.emit(
                CommitteeAgendaOpened(
                    agenda_id=agenda.id,
                    item_id=agenda.item_id,
                    item_title=agenda.item_title,
                    case_id=case.id,
                    department_id=agenda.department_id,
                    department_name=agenda.department_name,
                    flagged_by=caller.account_id,
                    opened_at=tx.now,
                ),
                agency=agenda.agency,
            )
            return agenda

        return await self.store.transaction(body)

    # -- 1차 심의 ------------------------------------------------------------------------------

    async def score(self, actor: Actor, agenda_id: str, scores: dict[str, int], comment: str) -> Agenda:
        def change(a: Agenda, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_committee(caller, a.agency)
            a.score(caller, scores, comment, tx.now)
            return []

        return await self._change(actor, agenda_id, change)

    async def select(self, actor: Actor, rule: SelectionRule) -> list[tuple[Agenda, int, bool]]:
        """Close a round of 1차 심의 for the caller's agency: rank what was scored, select the best."""
        caller = await self.callers.caller(actor)
        access.require_operator(caller)

        async def body(tx: Tx) -> list[tuple[Agenda, int, bool]]:
            scoring = await self.committee.agendas(caller.agency, AgendaStatus.SCORING, SELECTION_BATCH, tx.session)
            ranked = rank_agendas(scoring, rule)
            for agenda, rank, selected in ranked:
                agenda.decide_selection(caller, selected, rank, tx.now)
                await self.committee.save_agenda(agenda, tx.session)
                tx.emit(
                    CommitteeSelectionDecided(
                        agenda_id=agenda.id,
                        item_id=agenda.item_id,
                        selected=selected,
                        average_score=agenda.average_score or 0.0,
                        scorers=len(agenda.sheets),
                        rank=rank,
                        decided_by=caller.account_id,
                        decided_at=tx.now,
                    ),
                    agency=agenda.agency,
                )
            return ranked

        return await self.store.transaction(body)

    # -- 2차 심의 ------------------------------------------------------------------------------

    async def submit_plan(
        self,
        actor: Actor,
        agenda_id: str,
        *,
        direction: str,
        detail: str,
        budget_krw: int,
        budget_track: BudgetTrack,
        department_id: str | None,
    ) -> Agenda:
        def change(a: Agenda, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_committee_or_operator(caller, a.agency)
            assert department is not None
            if department.agency != a.agency:
                raise Invalid(f"there is no department {department.id!r} here", code="unknown_department")
            plan = a.submit_plan(
                caller,
                direction=direction,
                detail=detail,
                budget_krw=budget_krw,
                budget_track=budget_track,
                department_id=department.id,
                department_name=department.name,
                now=tx.now,
            )
            assert a.verdict_due_at is not None
            return [
                CommitteePlanSubmitted(
                    agenda_id=a.id,
                    item_id=a.item_id,
                    revision=plan.revision,
                    direction=plan.direction,
                    budget_krw=plan.budget_krw,
                    budget_track=plan.budget_track.value,
                    department_id=plan.department_id,
                    department_name=plan.department_name,
                    verdict_due_at=a.verdict_due_at,
                    submitted_by=caller.account_id,
                )
            ]

        # The executing department: named, else the one that accepted the proposal.
        if department_id is None:
            found = await self.committee.agenda(agenda_id)
            department_id = found.department_id if found else None
        department = await self.departments.get(department_id) if department_id else None
        if department is None:
            if await self.committee.agenda(agenda_id) is None:
                raise NotFound("no such agenda item", code="agenda_not_found")
            raise Invalid(f"there is no department {department_id!r}", code="unknown_department")
        if not department.takes_cases:
            raise Invalid(f"the department {department.id!r} takes no work", code="department_archived")
        return await self._change(actor, agenda_id, change)

    # -- 3차 심의 ------------------------------------------------------------------------------

    async def give_verdict(self, actor: Actor, agenda_id: str, verdict: Verdict, reason: str) -> Agenda:
        def change(a: Agenda, caller: Caller, tx: Tx) -> list[EventData]:
            if not caller.speaks_for_department:
                raise Forbidden("only the executing department's officer judges the plan", code="not_your_department")
            if caller.agency != a.agency:
                raise NotFound("no such agenda item", code="agenda_not_found")
            access.require_department(caller, a.plan.department_id if a.plan else None)
            plan = a.plan
            late = a.give_verdict(caller, verdict, reason, tx.now)
            assert plan is not None
            events: list[EventData] = [
                CommitteeVerdictGiven(
                    agenda_id=a.id,
                    item_id=a.item_id,
                    verdict=verdict.value,
                    reason=a.verdict_reason,
                    department_id=plan.department_id,
                    department_name=plan.department_name,
                    budget_krw=plan.budget_krw,
                    budget_track=plan.budget_track.value,
                    decided_by=caller.account_id,
                    decided_at=tx.now,
                    late=late,
                )
            ]
            if verdict == Verdict.FIT:  # 적정 → 결정(투표) 공개: voting-svc opens the ballot
                events.append(
                    DecisionVoteRequested(
                        item_id=a.item_id,
                        budget_krw=plan.budget_krw,
                        # Seed 001's terms: one voter per 100,000 KRW, 1,000..100,000 voters.
                        krw_per_voter=SEOUL_KRW_PER_VOTER,
                        quorum_min=SEOUL_QUORUM_MIN,
                        quorum_max=SEOUL_QUORUM_MAX,
                        opens_at=tx.now,
                        closes_at=tx.now + timedelta(days=DECISION_VOTE_DAYS),
                        reason=f"committee:{a.id}",
                    )
                )
            return events

        return await self._change(actor, agenda_id, change)

    # -- the decision vote's result ------------------------------------------------------------

    async def vote_decided(self, tx: Tx, ev: DecisionVoteDecided) -> Execution | None:
        """A committee item's decision vote closed: passed → execution opens (a non-budget item
        starts at once); failed → the item closes with the result as its reason."""
        if ev.source_item_id is None:
            return None
        agenda = await self.committee.agenda_of_item(ev.source_item_id, tx.session)
        if agenda is None or agenda.plan is None:
            return None
        summary = f"찬성 {ev.yes:,} / 반대 {ev.no:,} (참여 {ev.turnout:,}명, 정족수 {ev.quorum:,}명)"
        if not agenda.vote_decided(ev.passed, tx.now, summary):
            return None
        await self.committee.save_agenda(agenda, tx.session)
        if not ev.passed:
            return None
        plan = agenda.plan
        execution = Execution.open(
            item_id=agenda.item_id,
            agency=agenda.agency,
            item_title=agenda.item_title,
            agenda_id=agenda.id,
            department_id=plan.department_id,
            department_name=plan.department_name,
            budget_krw=plan.budget_krw,
            budget_track=plan.budget_track,
            now=tx.now,
        )
        if not await self.committee.insert_execution(execution, tx.session):
            return None
        tx.emit(_started(execution, tx.now), agency=agenda.agency)
        return execution

    # -- execution -----------------------------------------------------------------------------

    async def secure_budget(self, actor: Actor, item_id: str, source: str) -> Execution:
        def change(e: Execution, caller: Caller, tx: Tx) -> list[EventData]:
            e.secure_budget(source, tx.now)
            return [_started(e, tx.now)]

        return await self._execute(actor, item_id, change)

    async def add_milestone(self, actor: Actor, item_id: str, title: str, progress_pct: int, note: str) -> Execution:
        def change(e: Execution, caller: Caller, tx: Tx) -> list[EventData]:
            m = Milestone(new_id("ms_"), title.strip(), progress_pct, note.strip(), caller.account_id, tx.now)
            e.add_milestone(m)
            return [
                ExecutionProgressed(
                    item_id=e.item_id, milestone_id=m.id, title=m.title, progress_pct=m.progress_pct, at=tx.now
                )
            ]

        return await self._execute(actor, item_id, change)

    async def add_report(
        self, actor: Actor, item_id: str, title: str, body: str, uploads: Sequence[Upload], *, final: bool = False
    ) -> Execution:
        if len(uploads) > MAX_ATTACHMENTS:
            raise Invalid(f"at most {MAX_ATTACHMENTS} attachments per report", code="too_many_attachments")
        checked = [(check_attachment(u.filename, u.data), u.data) for u in uploads]

        def change(e: Execution, caller: Caller, tx: Tx) -> list[EventData]:
            metas = [AttachmentMeta(new_id("file_"), name, media, len(data)) for (name, media), data in checked]
            report = Report(new_id("report_"), title.strip(), body.strip(), final, metas, caller.account_id, tx.now)
            if final:
                e.complete(report, tx.now)
            else:
                e.add_report(report)
            pending.extend(zip(metas, (data for _, data in checked), strict=True))
            events: list[EventData] = [
                ExecutionReportPublished(
                    item_id=e.item_id,
                    report_id=report.id,
                    title=report.title,
                    final=final,
                    attachments=len(metas),
                    at=tx.now,
                )
            ]
            if final:
                events.append(
                    ExecutionCompleted(
                        item_id=e.item_id,
                        department_id=e.department_id,
                        department_name=e.department_name,
                        report_id=report.id,
                        completed_at=tx.now,
                    )
                )
            return events

        pending: list[tuple[AttachmentMeta, bytes]] = []
        return await self._execute(actor, item_id, change, files=pending)

    async def file(self, item_id: str, file_id: str) -> tuple[AttachmentMeta, bytes]:
        found = await self.committee.file(item_id, file_id)
        if found is None:
            raise NotFound("no such attachment", code="attachment_not_found")
        return found

    # -- queries -------------------------------------------------------------------------------

    async def agenda_of_item(self, item_id: str) -> Agenda:
        agenda = await self.committee.agenda_of_item(item_id)
        if agenda is None:
            raise NotFound("this item is not on the committee's agenda", code="agenda_not_found")
        return agenda

    async def decisions(
        self, agency: str | None, status: AgendaStatus | None, after: str | None, limit: int
    ) -> list[Agenda]:
        """The public list (결정): items the committee selected, where they are now."""
        if status is not None and status not in DECIDING:
            return []
        return await self.committee.public_agendas(agency, [status] if status else list(DECIDING), after, limit)

    async def agendas(self, actor: Actor, status: AgendaStatus | None, limit: int) -> list[Agenda]:
        caller = await self.callers.caller(actor)
        if caller.role == ActorRole.COMMITTEE or caller.is_operator:
            return await self.committee.agendas(caller.agency, status, limit)
        if caller.speaks_for_department:  # the plans its department judges
            found = await self.committee.agendas(caller.agency, status, limit)
            return [a for a in found if a.plan and a.plan.department_id == caller.department_id]
        raise Forbidden("only the committee, operators and departments see the agenda", code="not_committee")

    async def staff_agenda(self, actor: Actor, agenda_id: str) -> Agenda:
        caller = await self.callers.caller(actor)
        if not (caller.role == ActorRole.COMMITTEE or caller.is_operator or caller.speaks_for_department):
            raise Forbidden("only the committee, operators and departments see the agenda", code="not_committee")
        agenda = await self.committee.agenda(agenda_id)
        if agenda is None or (caller.role != ActorRole.SUPER_ADMIN and caller.agency != agenda.agency):
            raise NotFound("no such agenda item", code="agenda_not_found")
        planned = agenda.plan.department_id if agenda.plan else None
        if caller.speaks_for_department and not caller.is_operator and caller.department_id != planned:
            raise Forbidden("only the executing department sees this plan", code="not_your_department")
        return agenda

    async def execution(self, item_id: str) -> Execution:
        found = await self.committee.execution(item_id)
        if found is None:
            raise NotFound("this item is not being executed", code="execution_not_found")
        return found

    async def executions(
        self, agency: str | None, status: ExecutionStatus | None, after: str | None, limit: int
    ) -> list[Execution]:
        return await self.committee.executions(agency, status, after, limit)

    # -- plumbing ------------------------------------------------------------------------------

    async def _change(self, actor: Actor, agenda_id: str, change: AgendaChange) -> Agenda:
        caller = await self.callers.caller(actor)

        async def body(tx: Tx) -> Agenda:
            agenda = await self.committee.agenda(agenda_id, tx.session)
            if agenda is None:
                raise NotFound("no such agenda item", code="agenda_not_found")
            events = change(agenda, caller, tx)
            await self.committee.save_agenda(agenda, tx.session)
            for event in events:
                tx.emit(event, agency=agenda.agency)
            return agenda

        return await self.store.transaction(body)

    async def _execute(
        self,
        actor: Actor,
        item_id: str,
        change: Callable[[Execution, Caller, Tx], list[EventData]],
        files: list[tuple[AttachmentMeta, bytes]] | None = None,
    ) -> Execution:
        """Officers of the executing department act on its execution (another agency's: absent)."""
        caller = await self.callers.caller(actor)

        async def body(tx: Tx) -> Execution:
            if files:
                files.clear()  # a retried transaction starts over
            e = await self.committee.execution(item_id, tx.session)
            if e is None or (caller.role != ActorRole.SUPER_ADMIN and caller.agency != e.agency):
                raise NotFound("this item is not being executed", code="execution_not_found")
            access.require_department(caller, e.department_id)
            events = change(e, caller, tx)
            await self.committee.save_execution(e, tx.session)
            for meta, data in files or []:
                await self.committee.put_file(e.item_id, meta, data, tx.now, tx.session)
            for event in events:
                tx.emit(event, agency=e.agency)
            return e

        return await self.store.transaction(body)


def _started(e: Execution, now: datetime) -> ExecutionStarted:
    return ExecutionStarted(
        item_id=e.item_id,
        department_id=e.department_id,
        department_name=e.department_name,
        budget_krw=e.budget_krw,
        budget_track=e.budget_track.value,
        budget_source=e.budget_source,
        status=e.status.value,
        at=now,
    )
