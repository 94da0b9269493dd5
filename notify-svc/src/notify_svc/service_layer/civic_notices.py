"""Who hears of the committee's and execution's steps: the item's followers (its author,
supporters and followers) of every public step; the agency's committee members of a new agenda
item; the executing department of a plan it must judge within 10 days.

Each broadcast and notice has a natural key (the step), so a repeated event tells no one twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionStarted,
)
from notify_svc.domain.audience import Broadcast
from notify_svc.domain.messages import compose
from notify_svc.service_layer.notices import Notices
from notify_svc.service_layer.notifier import Notifier

COMMITTEE_ROLES = ("committee",)
DEPARTMENT_ROLES = ("officer", "head")
ESCALATION_ROLES = ("head", "operator")


@dataclass
class CivicNotices:
    notifier: Notifier
    notices: Notices

    async def _tell_followers(
        self, tx: Tx, env: Envelope, key: str, item_id: str, at: datetime, template: str, params: dict[str, str]
    ) -> bool:
        title = await self.notifier.items.title(item_id, tx.session)
        message = compose(template, {**params, "title": title})
        return await self.notifier.broadcast(tx, Broadcast(key, env.id, item_id, env.agency, env.type, at, message))

    async def agenda_opened(self, tx: Tx, ev: CommitteeAgendaOpened, env: Envelope) -> None:
        await self.notifier.remember_title(tx, ev.item_id, ev.item_title, env.agency)
        await self._tell_followers(tx, env, f"agenda:{ev.agenda_id}", ev.item_id, ev.opened_at, "committee_agenda", {})
        members = await self.notices.contacts.of_agency(env.agency, COMMITTEE_ROLES, tx.session)
        await self.notices.send(
            tx,
            env,
            key=f"agenda_staff:{ev.agenda_id}",
            item_id=ev.item_id,
            to=members,
            template="committee_agenda_staff",
            params={"agenda_id": ev.agenda_id},
        )

    async def selection_decided(self, tx: Tx, ev: CommitteeSelectionDecided, env: Envelope) -> None:
        params = {"selected": str(ev.selected), "average_score": f"{ev.average_score:.2f}", "rank": str(ev.rank)}
        key = f"selection:{ev.agenda_id}"
        await self._tell_followers(tx, env, key, ev.item_id, ev.decided_at, "committee_selection", params)

    async def plan_submitted(self, tx: Tx, ev: CommitteePlanSubmitted, env: Envelope) -> None:
        officers = await self.notices.contacts.of_department(ev.department_id, DEPARTMENT_ROLES, tx.session)
        await self.notices.send(
            tx,
            env,
            key=f"plan_verdict_due:{ev.agenda_id}:{ev.revision}",
            item_id=ev.item_id,
            to=officers,
            template="plan_verdict_due",
            params={"due_at": ev.verdict_due_at, "revision": ev.revision, "agenda_id": ev.agenda_id},
        )

    async def verdict_overdue(self, tx: Tx, ev: CommitteeVerdictOverdue, env: Envelope) -> None:
        """Up to the operators (운영팀) and the head, and again to the department that owes it."""
        to = await self.notices.contacts.of_department(ev.department_id, DEPARTMENT_ROLES, tx.session)
        to += await self.notices.contacts.of_agency(env.agency, ESCALATION_ROLES, tx.session)
        await self.notices.send(
            tx,
            env,
            key=f"verdict_overdue:{ev.agenda_id}:{ev.revision}",
            item_id=ev.item_id,
            to=to,
            template="verdict_overdue",
            params={"due_at": ev.verdict_due_at, "department_name": ev.department_name, "agenda_id": ev.agenda_id},
        )

    async def verdict_given(self, tx: Tx, ev: CommitteeVerdictGiven, env: Envelope) -> None:
        params = {"verdict": ev.verdict, "reason": ev.reason, "department_name": ev.department_name}
        key = f"verdict:{ev.agenda_id}:{ev.decided_at.isoformat()}"
        await self._tell_followers(tx, env, key, ev.item_id, ev.decided_at, "committee_verdict", params)

    async def execution_started(self, tx: Tx, ev: ExecutionStarted, env: Envelope) -> None:
        params = {"status": ev.status, "department_name": ev.department_name}
        key = f"execution:{ev.item_id}:{ev.status}"
        await self._tell_followers(tx, env, key, ev.item_id, ev.at, "execution_started", params)

    async def execution_progressed(self, tx: Tx, ev: ExecutionProgressed, env: Envelope) -> None:
        params = {"milestone": ev.title, "progress_pct": str(ev.progress_pct)}
        key = f"execution:{ev.item_id}:milestone:{ev.milestone_id}"
        await self._tell_followers(tx, env, key, ev.item_id, ev.at, "execution_progress", params)

    async def execution_completed(self, tx: Tx, ev: ExecutionCompleted, env: Envelope) -> None:
        key = f"execution:{ev.item_id}:completed"
        await self._tell_followers(tx, env, key, ev.item_id, ev.completed_at, "execution_completed", {})
