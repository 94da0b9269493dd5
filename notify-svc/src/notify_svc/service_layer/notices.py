"""Notices to staff for their role, inside the event handler's transaction: deadline reminders
(D-3, D-day) to the case's department officers, the overdue escalation to the agency's head and
operators, reassignment requests to operators and the decisions to the departments concerned,
answers awaiting approval to operators, returned answers to the department.

Each notice has a natural key (the case and what happened to it), so the inbox and the e-mail
queue keep one per person however often the event comes (domain/audience.Notification)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    ProposalModerated,
    ReviewAnswerReturned,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    ReviewCaseOverdue,
    ReviewCaseReassigned,
    ReviewReassignmentDeclined,
    ReviewReassignmentRequested,
    ReviewReminderDue,
)
from gongnon_contracts.events.proposals import CommentModerated
from notify_svc.adapters.authors import ItemAuthors
from notify_svc.adapters.channels import Channel
from notify_svc.adapters.contacts import Contact, ContactRepository
from notify_svc.adapters.followers import ItemRepository
from notify_svc.domain.audience import Notification
from notify_svc.domain.messages import compose
from notify_svc.service_layer.notifier import deliver

# Who speaks for a department (the head answers cases routed to the head's own office).
DEPARTMENT_ROLES = ("officer", "head")
OPERATOR_ROLES = ("operator",)
# Overdue goes up: to the head of agency (기관장) and the operators (운영팀).
ESCALATION_ROLES = ("head", "operator")


@dataclass
class Notices:
    contacts: ContactRepository
    items: ItemRepository
    channels: Sequence[Channel]
    authors: ItemAuthors | None = None

    async def send(
        self,
        tx: Tx,
        env: Envelope,
        *,
        key: str,
        item_id: str,
        to: Sequence[Contact],
        template: str,
        params: Mapping[str, str | int | datetime | None],
    ) -> int:
        # Staff act within their agency; a citizen (an author) is told wherever they registered.
        people = {c.account_id: c for c in to if c.agency == env.agency or c.role == "citizen"}
        if not people:
            return 0
        title = await self.items.title(item_id, tx.session)
        message = compose(template, {**params, "title": title})
        notes = [
            Notification(
                broadcast_id=key,
                event_id=env.id,
                account_id=account,
                item_id=item_id,
                agency=env.agency,
                kind=env.type,
                title=message.title,
                body=message.body,
                at=env.time,
                template=message.template,
                params=message.params,
                direct=True,
            )
            for account in sorted(people)
        ]
        await deliver(self.channels, notes, tx)
        return len(notes)

    async def _department(self, tx: Tx, department_id: str) -> list[Contact]:
        return await self.contacts.of_department(department_id, DEPARTMENT_ROLES, tx.session)

    async def _agency(self, tx: Tx, agency: str, roles: Sequence[str]) -> list[Contact]:
        return await self.contacts.of_agency(agency, roles, tx.session)

    async def reminder_due(self, tx: Tx, ev: ReviewReminderDue, env: Envelope) -> int:
        to = await self._department(tx, ev.department_id)
        if ev.head_answer:  # a head's account need not name the head's office
            to += await self._agency(tx, env.agency, ("head",))
        return await self.send(
            tx,
            env,
            key=f"reminder:{ev.case_id}:{ev.kind}",
            item_id=ev.item_id,
            to=to,
            template="reminder",
            params={"kind": ev.kind, "department_name": ev.department_name, "due_at": ev.due_at, "case_id": ev.case_id},
        )

    async def case_overdue(self, tx: Tx, ev: ReviewCaseOverdue, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"overdue:{ev.case_id}",
            item_id=ev.item_id,
            to=await self._agency(tx, env.agency, ESCALATION_ROLES),
            template="overdue",
            params={
                "department_name": ev.department_name or ev.department_id,
                "due_at": ev.due_at,
                "case_id": ev.case_id,
            },
        )

    async def case_opened(self, tx: Tx, ev: ReviewCaseOpened, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"assigned:{ev.case_id}:{ev.department_id}",
            item_id=ev.item_id,
            to=await self._department(tx, ev.department_id),
            template="case_assigned",
            params={"department_name": ev.department_name, "due_at": ev.due_at, "case_id": ev.case_id},
        )

    async def reassignment_requested(self, tx: Tx, ev: ReviewReassignmentRequested, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"reassign_requested:{ev.case_id}:{ev.requested_at.isoformat()}",
            item_id=ev.item_id,
            to=await self._agency(tx, env.agency, OPERATOR_ROLES),
            template="reassign_requested",
            params={"department_name": ev.department_name, "reason": ev.reason, "case_id": ev.case_id},
        )

    async def case_reassigned(self, tx: Tx, ev: ReviewCaseReassigned, env: Envelope) -> int:
        params = {
            "department_name": ev.department_name,
            "from_department_name": ev.from_department_name,
            "due_at": ev.due_at,
            "case_id": ev.case_id,
        }
        at = ev.decided_at.isoformat()
        told = await self.send(
            tx,
            env,
            key=f"reassigned_in:{ev.case_id}:{at}",
            item_id=ev.item_id,
            to=await self._department(tx, ev.department_id),
            template="reassigned_in",
            params=params,
        )
        return told + await self.send(
            tx,
            env,
            key=f"reassigned_out:{ev.case_id}:{at}",
            item_id=ev.item_id,
            to=await self._department(tx, ev.from_department_id),
            template="reassigned_out",
            params=params,
        )

    async def reassignment_declined(self, tx: Tx, ev: ReviewReassignmentDeclined, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"reassign_declined:{ev.case_id}:{ev.decided_at.isoformat()}",
            item_id=ev.item_id,
            to=await self._department(tx, ev.department_id),
            template="reassign_declined",
            params={"department_name": ev.department_name, "case_id": ev.case_id},
        )

    async def answer_submitted(self, tx: Tx, ev: ReviewAnswerSubmitted, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"answer_submitted:{ev.case_id}:{env.id}",
            item_id=ev.item_id,
            to=await self._agency(tx, env.agency, OPERATOR_ROLES),
            template="answer_submitted",
            params={
                "department_name": ev.department_name or ev.department_id,
                "decision": ev.decision,
                "case_id": ev.case_id,
            },
        )

    async def answer_returned(self, tx: Tx, ev: ReviewAnswerReturned, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"answer_returned:{ev.case_id}:{env.id}",
            item_id=ev.item_id,
            to=await self._department(tx, ev.department_id),
            template="answer_returned",
            params={"department_name": ev.department_name, "reason": ev.reason, "case_id": ev.case_id},
        )

    # -- authors, personally --------------------------------------------------------------------

    async def _person(self, tx: Tx, account_id: str | None) -> list[Contact]:
        if not account_id:
            return []
        found = await self.contacts.get(account_id, tx.session)
        # Someone notify-svc has no contact for still gets the notice in their inbox.
        return [found or Contact(account_id, "", "", "citizen", "", None)]

    async def proposal_moderated(self, tx: Tx, ev: ProposalModerated, env: Envelope) -> int:
        author = await self.authors.of(ev.item_id, tx.session) if self.authors else None
        return await self.send(
            tx,
            env,
            key=f"moderated:{env.id}",
            item_id=ev.item_id,
            to=await self._person(tx, author),
            template="moderated",
            params={"target": "proposal", "action": ev.action, "reason": ev.reason},
        )

    async def comment_moderated(self, tx: Tx, ev: CommentModerated, env: Envelope) -> int:
        return await self.send(
            tx,
            env,
            key=f"comment_moderated:{env.id}",
            item_id=ev.item_id,
            to=await self._person(tx, ev.author_account),
            template="moderated",
            params={"target": "comment", "action": ev.action, "reason": ev.reason, "comment_id": ev.comment_id},
        )
