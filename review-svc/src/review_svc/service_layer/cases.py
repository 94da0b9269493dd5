"""Review-case use cases. Every change and its event commit together (Store.transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden, Invalid, NotFound
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import EventData, new_id
from gongnon_contracts.events import (
    DeliberationResultPublished,
    MilestoneReached,
    ReviewAnswerPublished,
    ReviewAnswerReturned,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    ReviewCaseReassigned,
    ReviewReassignmentDeclined,
    ReviewReassignmentRequested,
)
from gongnon_contracts.events.common import ActorRole, RuleAction
from review_svc.adapters.cases import CaseRepository
from review_svc.adapters.departments import DepartmentRepository
from review_svc.domain import access
from review_svc.domain.access import Caller
from review_svc.domain.cases import ROUTED_ACTIONS, Decision, ReviewCase, Status
from review_svc.domain.departments import Department, DepartmentKind, route

log = logging.getLogger(__name__)

Change = Callable[[ReviewCase, Caller, Tx], list[EventData]]


def case_opened(case: ReviewCase) -> ReviewCaseOpened:
    assert case.department_id is not None
    return ReviewCaseOpened(
        case_id=case.id,
        item_id=case.item_id,
        department_id=case.department_id,
        department_name=case.department_name,
        due_at=case.due_at,
        reason=case.trigger,
    )


@dataclass
class CaseService:
    store: Store
    cases: CaseRepository
    departments: DepartmentRepository

    # -- who is calling ------------------------------------------------------------------------

    async def caller(self, actor: Actor) -> Caller:
        department_id = actor.department_id
        if actor.role == ActorRole.HEAD and not department_id:
            # The head's account need not name a department: it speaks for the agency's head office.
            head = await self.departments.head_of(actor.agency)
            department_id = head.id if head else None
        return Caller(actor.account_id, actor.role, actor.agency, department_id)

    # -- events --------------------------------------------------------------------------------

    async def open_for_milestone(self, tx: Tx, ev: MilestoneReached, agency: str) -> ReviewCase | None:
        """Open the one case for (item, rule), routed by category; None if nothing was opened."""
        if ev.action not in ROUTED_ACTIONS:
            return None
        pool = await self.departments.for_agency(agency, tx.session)
        department = route(pool, ev.category, ev.action, await self.departments.map_of(agency, tx.session))
        case = ReviewCase.open(
            case_id=new_id("case_"),
            agency=agency,
            item_id=ev.item_id,
            item_title=ev.title,
            category=ev.category,
            rule_id=ev.rule_id,
            rule_set_id=ev.rule_set_id,
            action=ev.action,
            metric=ev.metric,
            threshold=ev.threshold,
            reached_at=ev.reached_at,
            due_days=ev.due_days,
            department=department,
            now=tx.now,
        )
        if not await self.cases.insert_if_absent(case, tx.session):
            return None
        if case.department_id:
            tx.emit(case_opened(case), agency=agency)
        else:
            log.warning(
                "no department for category %r in agency %s: case %s waits for an operator",
                ev.category,
                agency,
                case.id,
            )
        return case

    async def open_for_result(self, tx: Tx, ev: DeliberationResultPublished, agency: str) -> ReviewCase | None:
        """Open the one case answering a debate's or consultation's result: for the department
        that asked when it belongs to the agency, else the one mapped to the category."""
        department = None
        if ev.department_id:
            asked = await self.departments.get(ev.department_id, tx.session)
            if (
                asked is not None
                and asked.agency == agency
                and asked.kind == DepartmentKind.DEPARTMENT
                and asked.takes_cases
            ):
                department = asked
        if department is None:
            pool = await self.departments.for_agency(agency, tx.session)
            cmap = await self.departments.map_of(agency, tx.session)
            department = route(pool, ev.category, RuleAction.DEPARTMENT_ANSWER, cmap)
        case = ReviewCase.open_for_result(
            case_id=new_id("case_"),
            agency=agency,
            item_id=ev.item_id,
            item_title=ev.title,
            category=ev.category,
            kind=ev.kind,
            participants=ev.total,
            published_at=ev.published_at,
            due_days=ev.answer_due_days,
            department=department,
            now=tx.now,
        )
        if not await self.cases.insert_if_absent(case, tx.session):
            return None
        if case.department_id:
            tx.emit(case_opened(case), agency=agency)
        return case

    # -- queries -------------------------------------------------------------------------------

    async def get(self, actor: Actor, case_id: str) -> ReviewCase:
        caller = await self.caller(actor)
        case = await self.cases.get(case_id)
        if case is None:
            raise NotFound("no such review case", code="case_not_found")
        access.require_viewer(caller, case.agency, case.department_id)
        return case

    async def search(
        self, actor: Actor, department_id: str | None, status: Status | None, before: str | None, limit: int
    ) -> list[ReviewCase]:
        caller = await self.caller(actor)
        if caller.is_operator:
            if department_id:
                dept = await self.departments.get(department_id)
                if dept is None or (caller.role != ActorRole.SUPER_ADMIN and dept.agency != caller.agency):
                    return []
            return await self.cases.search(
                department_id=department_id, agency=caller.agency, status=status, before=before, limit=limit
            )
        if not caller.speaks_for_department:
            raise Forbidden("only departments and operators can list review cases")
        if department_id and department_id != caller.department_id:
            raise Forbidden("officers see only their own department's cases", code="not_your_department")
        return await self.cases.search(
            department_id=caller.department_id, agency=None, status=status, before=before, limit=limit
        )

    async def for_item(self, item_id: str) -> list[ReviewCase]:
        return await self.cases.for_item(item_id)

    async def list_departments(self, agency: str) -> list[Department]:
        return await self.departments.with_categories(agency)

    # -- commands ------------------------------------------------------------------------------

    async def answer(self, actor: Actor, case_id: str, decision: Decision, text: str, reason: str | None) -> ReviewCase:
        def change(case: ReviewCase, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_department(caller, case.department_id)
            answer = case.submit_answer(caller, decision, text, reason, tx.now)
            assert case.department_id is not None
            return [
                ReviewAnswerSubmitted(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id,
                    decision=answer.decision.value,
                    officer_account=answer.officer_account,
                    department_name=case.department_name,
                )
            ]

        return await self._change(actor, case_id, change)

    async def approve(self, actor: Actor, case_id: str) -> ReviewCase:
        def change(case: ReviewCase, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_operator(caller)
            access.require_same_agency(caller, case.agency)
            answer = case.approve(caller, tx.now)
            assert case.department_id is not None
            assert case.published_at is not None
            return [
                ReviewAnswerPublished(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id,
                    department_name=case.department_name,
                    decision=answer.decision.value,
                    reason=answer.reason,
                    answer=answer.text,
                    approved_by=caller.account_id,
                    published_at=case.published_at,
                )
            ]

        return await self._change(actor, case_id, change)

    async def return_to_department(self, actor: Actor, case_id: str, reason: str) -> ReviewCase:
        def change(case: ReviewCase, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_operator(caller)
            access.require_same_agency(caller, case.agency)
            case.return_to_department(caller, reason, tx.now)
            assert case.department_id is not None
            return [
                ReviewAnswerReturned(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id,
                    department_name=case.department_name,
                    reason=reason.strip(),
                    returned_by=caller.account_id,
                )
            ]

        return await self._change(actor, case_id, change)

    async def request_reassignment(self, actor: Actor, case_id: str, reason: str) -> ReviewCase:
        def change(case: ReviewCase, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_department(caller, case.department_id)
            case.request_reassignment(caller, reason, tx.now)
            assert case.department_id is not None
            assert case.reassign_reason is not None
            return [
                ReviewReassignmentRequested(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id,
                    department_name=case.department_name,
                    reason=case.reassign_reason,
                    officer_account=caller.account_id,
                    requested_at=tx.now,
                )
            ]

        return await self._change(actor, case_id, change)

    async def assign(self, actor: Actor, case_id: str, department_id: str) -> ReviewCase:
        department = await self.departments.get(department_id)
        if department is None:
            raise Invalid(f"there is no department {department_id!r}", code="unknown_department")
        if not department.takes_cases:
            raise Invalid(f"the department {department_id!r} is archived", code="department_archived")

        def change(case: ReviewCase, caller: Caller, tx: Tx) -> list[EventData]:
            access.require_operator(caller)
            access.require_same_agency(caller, case.agency)
            before_id, before_name = case.department_id, case.department_name
            requested = case.status == Status.REASSIGN_REQUESTED
            first = case.assign(caller, department, tx.now)
            # The case only now opens for review when it had no department before (미지정).
            if first:
                return [case_opened(case)]
            assert before_id is not None
            assert case.department_id is not None
            if case.department_id == before_id:  # kept: the request was declined (재지정 반려)
                return [
                    ReviewReassignmentDeclined(
                        case_id=case.id,
                        item_id=case.item_id,
                        department_id=case.department_id,
                        department_name=case.department_name,
                        decided_by=caller.account_id,
                        decided_at=tx.now,
                    )
                ]
            return [
                ReviewCaseReassigned(
                    case_id=case.id,
                    item_id=case.item_id,
                    from_department_id=before_id,
                    from_department_name=before_name,
                    department_id=case.department_id,
                    department_name=case.department_name,
                    due_at=case.due_at,
                    requested=requested,
                    decided_by=caller.account_id,
                    decided_at=tx.now,
                )
            ]

        return await self._change(actor, case_id, change)

    async def _change(self, actor: Actor, case_id: str, change: Change) -> ReviewCase:
        caller = await self.caller(actor)

        async def body(tx: Tx) -> ReviewCase:
            case = await self.cases.get(case_id, tx.session)
            if case is None:
                raise NotFound("no such review case", code="case_not_found")
            events = change(case, caller, tx)
            await self.cases.save(case, tx.session)
            for event in events:
                tx.emit(event, agency=case.agency)
            return case

        return await self.store.transaction(body)
