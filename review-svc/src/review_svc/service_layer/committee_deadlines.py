"""The committee's deadline scan: a plan the executing department has not judged within its 10
days is escalated once (to the department and the operators, and on the item's timeline). The
mark is saved with its event in one transaction, so it fires once however often the scan runs or
the service restarts; a new plan (after 수정) starts its own 10 days."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Conflict
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import CommitteeVerdictOverdue
from review_svc.adapters.committee import CommitteeRepository

BATCH = 200
MAX_ROUNDS = 20


@dataclass
class VerdictDeadlines:
    store: Store
    committee: CommitteeRepository
    clock: Clock

    async def scan(self) -> int:
        escalated = 0
        for _ in range(MAX_ROUNDS):
            ids = await self.committee.due_for_check(self.clock.now(), BATCH)
            for agenda_id in ids:
                try:
                    escalated += await self.store.transaction(lambda tx, aid=agenda_id: self._check(tx, aid))
                except Conflict:
                    continue  # changed by a request meanwhile; the next scan looks again
            if len(ids) < BATCH:
                break
        return escalated

    async def _check(self, tx: Tx, agenda_id: str) -> int:
        agenda = await self.committee.agenda(agenda_id, tx.session)
        if agenda is None or agenda.plan is None or not agenda.escalate_verdict(tx.now):
            return 0
        await self.committee.save_agenda(agenda, tx.session)
        assert agenda.verdict_due_at is not None
        tx.emit(
            CommitteeVerdictOverdue(
                agenda_id=agenda.id,
                item_id=agenda.item_id,
                revision=agenda.plan.revision,
                department_id=agenda.plan.department_id,
                department_name=agenda.plan.department_name,
                verdict_due_at=agenda.verdict_due_at,
            ),
            agency=agenda.agency,
        )
        return 1
