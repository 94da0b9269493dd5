"""review-svc's progress on an item (a proposal, a debate or a consultation): the case opened,
the department's answer submitted, the answer published. One handler for every kind of item: each
kind's repository satisfies `ReviewedItems`.

A timeline entry is written whatever order the events arrive in (what happened stays true); the
case's status only moves forward (domain/proposal.py `track_case`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from gongnon_chassis.store import Tx
from gongnon_contracts.events import ReviewAnswerPublished, ReviewAnswerSubmitted, ReviewCaseOpened
from proposal_svc.domain import timeline
from proposal_svc.domain.proposal import CaseStatus, track_case
from proposal_svc.domain.timeline import TimelineEntry


class Reviewed(Protocol):
    """An item whose review cases this service follows."""

    cases: dict[str, dict[str, Any]]


Item = TypeVar("Item", bound=Reviewed)


class ReviewedItems(Protocol[Item]):
    """The repository of one kind of item."""

    async def get(self, item_id: str, session: Any = None) -> Item | None: ...

    async def record_case(self, tx: Tx, item: Item, case_id: str, moved: bool, entry: TimelineEntry) -> None: ...


@dataclass
class ReviewProgress(Generic[Item]):
    items: ReviewedItems[Item]

    async def case_opened(self, tx: Tx, ev: ReviewCaseOpened, at: datetime) -> None:
        info = {"department_id": ev.department_id, "department_name": ev.department_name, "due_at": ev.due_at}
        entry = timeline.case_opened(ev.item_id, ev.case_id, at, ev.department_name, ev.due_at)
        await self._track(tx, ev.item_id, ev.case_id, CaseStatus.OPEN, info, entry)

    async def answer_submitted(self, tx: Tx, ev: ReviewAnswerSubmitted, at: datetime) -> None:
        info = {"department_id": ev.department_id, "decision": ev.decision}
        entry = timeline.answer_submitted(ev.item_id, ev.case_id, at, ev.decision)
        await self._track(tx, ev.item_id, ev.case_id, CaseStatus.AWAITING_APPROVAL, info, entry)

    async def answer_published(self, tx: Tx, ev: ReviewAnswerPublished) -> None:
        info = {
            "department_id": ev.department_id,
            "department_name": ev.department_name,
            "decision": ev.decision,
            "published_at": ev.published_at,  # a support window held open by the review ends here
        }
        entry = timeline.answer_published(
            ev.item_id, ev.case_id, ev.published_at, ev.department_name, ev.decision, ev.answer, ev.reason
        )
        await self._track(tx, ev.item_id, ev.case_id, CaseStatus.PUBLISHED, info, entry)

    async def _track(
        self, tx: Tx, item_id: str, case_id: str, status: str, info: dict[str, Any], entry: TimelineEntry
    ) -> None:
        item = await self.items.get(item_id, tx.session)
        if item is None:  # another kind of item, or another service's
            return
        moved = track_case(item.cases, case_id, status, **info)
        await self.items.record_case(tx, item, case_id, moved, entry)
