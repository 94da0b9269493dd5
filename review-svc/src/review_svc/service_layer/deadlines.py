"""The periodic deadline scan: reminders before the due date (D-3, D-day), overdue once after it.
Each one is recorded in the case and emitted in the same transaction, so each fires exactly once:
notify-svc tells the department's officers (reminders) and the head and operators (overdue)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Conflict
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import ReviewCaseOverdue, ReviewReminderDue
from gongnon_contracts.events.common import RuleAction
from review_svc.adapters.cases import CaseRepository
from review_svc.domain.deadlines import DeadlineAction, apply_deadline

log = logging.getLogger(__name__)

BATCH = 200
MAX_ROUNDS = 50  # bounds one scan; the next tick continues where this one stopped


@dataclass
class DeadlineScanner:
    store: Store
    cases: CaseRepository
    clock: Clock

    async def scan(self) -> dict[str, int]:
        """Handle every case whose next check time has come; returns counts per action."""
        done: dict[str, int] = {a.value: 0 for a in DeadlineAction}
        for _ in range(MAX_ROUNDS):
            now = self.clock.now()
            ids = await self.cases.due_for_check(now, BATCH)
            for case_id in ids:
                try:
                    action = await self.store.transaction(lambda tx, cid=case_id: self._check(tx, cid))
                except Conflict:
                    continue  # changed by a request meanwhile; the next scan looks again
                if action:
                    done[action.value] += 1
            if len(ids) < BATCH:
                break
        return done

    async def _check(self, tx: Tx, case_id: str) -> DeadlineAction | None:
        case = await self.cases.get(case_id, tx.session)
        if case is None:
            return None
        action = apply_deadline(case, tx.now)
        # Save even without an action: it refreshes check_at if it was stale.
        await self.cases.save(case, tx.session)
        if action == DeadlineAction.OVERDUE:
            log.info("review case %s of %s is overdue", case.id, case.department_id)
            tx.emit(
                ReviewCaseOverdue(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id or "",
                    department_name=case.department_name,
                    due_at=case.due_at,
                ),
                agency=case.agency,
            )
        elif action == DeadlineAction.REMIND and case.department_id:
            # An unassigned case (미지정) has nobody to remind; operators see it in their list.
            tx.emit(
                ReviewReminderDue(
                    case_id=case.id,
                    item_id=case.item_id,
                    department_id=case.department_id,
                    department_name=case.department_name,
                    kind=case.reminders[-1].kind,
                    due_at=case.due_at,
                    head_answer=case.action == RuleAction.HEAD_ANSWER,
                ),
                agency=case.agency,
            )
        return action
