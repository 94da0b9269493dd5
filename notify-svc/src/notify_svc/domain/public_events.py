"""The public projection: which public events (gongnon_contracts.public_events) a batch of
internal events makes, with only public fields. Pure: the caller loads and saves the items' public
state and numbers the drafts.

- Every public event's id is derived from the internal event's id and the public type, so the
  same internal event always projects to the same ids (a redelivery is recognisable, and the
  store drops a draft whose id it already holds).
- Support counts are coalesced: at most one `item.supports_counted` per item per batch, with the
  newest absolute count, and only when it grew past the last one published.
- Stages follow proposal-svc's rule (Proposal.stage): the case statuses, then closed, then listed.
  The state is a set of facts, so events arriving in any order end in the same stage.
- While an item is hidden, trashed or private, only `item.moderated` is published about it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    CommitteeAgendaOpened,
    CommitteePlanSubmitted,
    CommitteeSelectionDecided,
    CommitteeVerdictGiven,
    CommitteeVerdictOverdue,
    DeliberationOpened,
    DeliberationResultPublished,
    ExecutionCompleted,
    ExecutionProgressed,
    ExecutionReportPublished,
    ExecutionStarted,
    ItemClosed,
    MilestoneReached,
    ProposalModerated,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
)
from gongnon_contracts.events.committee import CIVIC_EVENTS
from gongnon_contracts.events.common import RuleAction
from gongnon_contracts.public_events import (
    AnswerPublished,
    CaseOpened,
    CommitteeStep,
    DebateClosed,
    DebateOpened,
    ExecutionProgress,
    ItemModerated,
    ItemSubmitted,
    PublicData,
    StageChanged,
    SupportMilestone,
    SupportsCounted,
)
from gongnon_contracts.reference import STAGES
from gongnon_contracts.registry import event_class

# Internal types the projection reads (everything else on the topics is skipped).
PROJECTED = frozenset(
    c.TYPE
    for c in (
        ProposalSubmitted,
        MilestoneReached,
        ItemClosed,
        ProposalModerated,
        ReviewCaseOpened,
        ReviewAnswerSubmitted,
        ReviewAnswerPublished,
        DeliberationOpened,
        DeliberationResultPublished,
        TallyUpdated,
        *CIVIC_EVENTS,
    )
)

CASE_ORDER = ("open", "awaiting_approval", "published")
HIDING = {"hide": True, "trash": True, "restore": False}
PRIVACY = {"make_private": True, "make_public": False}


def public_id(internal_id: str, public_type: str) -> str:
    """The public id of what `internal_id` means as `public_type`: stable, and reveals nothing."""
    return "pe_" + hashlib.sha256(f"{internal_id}|{public_type}".encode()).hexdigest()[:32]


@dataclass
class ItemState:
    """What the public stream knows of one item (notify-svc's `public_items`)."""

    item_id: str
    agency: str
    kind: str | None = None  # proposal, debate, consultation; None until its first event says
    listed: bool = False
    closed: bool = False
    hidden: bool = False
    private: bool = False
    cases: dict[str, str] = field(default_factory=dict)
    supports: int = 0  # the last total published
    stage: str | None = None  # the last stage published

    @property
    def visible(self) -> bool:
        return not (self.hidden or self.private)

    def current_stage(self) -> str | None:
        """Proposal.stage, from the facts the stream has seen (None for other kinds of item)."""
        if self.kind != "proposal":
            return None
        statuses = set(self.cases.values())
        if statuses & {"open", "awaiting_approval"}:
            return "review"
        if "published" in statuses:
            return "answered"
        if self.closed:
            return "closed"
        return "supporting" if self.listed else "proposed"

    def track_case(self, case_id: str, status: str) -> None:
        """A case never moves back (a late 'opened' after 'published')."""
        had = self.cases.get(case_id)
        if had is None or CASE_ORDER.index(status) > CASE_ORDER.index(had):
            self.cases[case_id] = status

    def to_doc(self) -> dict[str, Any]:
        return {
            "_id": self.item_id,
            "agency": self.agency,
            "kind": self.kind,
            "listed": self.listed,
            "closed": self.closed,
            "hidden": self.hidden,
            "private": self.private,
            "cases": self.cases,
            "supports": self.supports,
            "stage": self.stage,
        }

    @classmethod
    def from_doc(cls, d: dict[str, Any]) -> ItemState:
        return cls(
            item_id=d["_id"],
            agency=d.get("agency", ""),
            kind=d.get("kind"),
            listed=bool(d.get("listed")),
            closed=bool(d.get("closed")),
            hidden=bool(d.get("hidden")),
            private=bool(d.get("private")),
            cases=dict(d.get("cases") or {}),
            supports=int(d.get("supports") or 0),
            stage=d.get("stage"),
        )


@dataclass(frozen=True)
class Draft:
    """A public event before it is numbered (seq) and recorded."""

    id: str
    item_id: str
    agency: str
    time: datetime
    data: PublicData

    @property
    def type(self) -> str:
        return self.data.TYPE


def relevant(envelopes: Iterable[Envelope]) -> list[Envelope]:
    return [e for e in envelopes if e.type in PROJECTED]


def project(envelopes: Sequence[Envelope], states: dict[str, ItemState]) -> list[Draft]:
    """The public events of a batch, in stream order. `states` holds every item of the batch
    (missing ones are created) and is updated in place."""
    # Coalesced support counts: each item's newest snapshot, placed where its last one was.
    newest: dict[str, tuple[int, Envelope, TallyUpdated]] = {}
    for i, env in enumerate(envelopes):
        if env.type == TallyUpdated.TYPE:
            t = TallyUpdated.model_validate(env.data)
            if t.kind != "support":
                continue
            had = newest.get(t.item_id)
            if had is None or (t.seq, t.total) >= (had[2].seq, had[2].total):
                newest[t.item_id] = (i, env, t)
            else:  # an older snapshot arriving late: keep the newer one, at the later place
                newest[t.item_id] = (i, had[1], had[2])
    drafts: list[Draft] = []
    for i, env in enumerate(envelopes):
        state = states.get(env.subject)
        if state is None:
            state = states[env.subject] = ItemState(env.subject, env.agency)
        if env.type == TallyUpdated.TYPE:
            entry = newest.get(env.subject)
            if entry is None or entry[0] != i:
                continue
            _, at_env, tally = entry
            if tally.total > state.supports and state.visible:
                state.supports = tally.total
                drafts.append(_draft(at_env, SupportsCounted(total=tally.total, as_of=tally.as_of)))
            continue
        drafts.extend(_one(env, state))
    return drafts


def _draft(env: Envelope, data: PublicData) -> Draft:
    return Draft(public_id(env.id, data.TYPE), env.subject, env.agency, env.time, data)


def civic_data(ev: object) -> PublicData | None:
    """The public side of a committee or execution step (None for other events)."""
    match ev:
        case CommitteeAgendaOpened():
            return CommitteeStep(step="agenda_opened", department_name=ev.department_name)
        case CommitteeSelectionDecided():
            step = "selected" if ev.selected else "not_selected"
            return CommitteeStep(step=step, average_score=ev.average_score)
        case CommitteePlanSubmitted():
            return CommitteeStep(
                step="plan_submitted",
                budget_krw=ev.budget_krw,
                budget_track=ev.budget_track,
                department_name=ev.department_name,
                due_at=ev.verdict_due_at,
            )
        case CommitteeVerdictGiven():
            return CommitteeStep(
                step="verdict", verdict=ev.verdict, reason=ev.reason or None, department_name=ev.department_name
            )
        case CommitteeVerdictOverdue():
            return CommitteeStep(step="verdict_overdue", department_name=ev.department_name, due_at=ev.verdict_due_at)
        case ExecutionStarted():
            return ExecutionProgress(status=ev.status, step="started", department_name=ev.department_name)
        case ExecutionProgressed():
            return ExecutionProgress(
                status="in_progress", step="milestone", progress_pct=ev.progress_pct, title=ev.title
            )
        case ExecutionReportPublished():
            return ExecutionProgress(status="in_progress", step="report", title=ev.title)
        case ExecutionCompleted():
            return ExecutionProgress(
                status="completed", step="completed", progress_pct=100, department_name=ev.department_name
            )
    return None


def _one(env: Envelope, state: ItemState) -> list[Draft]:
    ev = event_class(env.type).model_validate(env.data)
    out: list[Draft] = []
    civic = civic_data(ev)
    if civic is not None:
        return [_draft(env, civic)] if state.visible else []
    was_visible = state.visible
    if isinstance(ev, ProposalSubmitted):
        state.kind, state.agency = "proposal", env.agency
        state.listed = state.listed or ev.listed
        state.stage = state.current_stage()
        out.append(
            _draft(
                env,
                ItemSubmitted(
                    kind="proposal",
                    title=ev.title,
                    category=ev.category,
                    district=ev.district,
                    author_name=ev.author_name or None,
                    author_role=ev.author_role.value,
                    listed=ev.listed,
                    stage=state.stage or "proposed",
                    rule_set_id=ev.rule_set_id,
                ),
            )
        )
    elif isinstance(ev, MilestoneReached):
        if ev.action == RuleAction.MAKE_PUBLIC:
            state.listed = True
        out.append(
            _draft(
                env,
                SupportMilestone(
                    rule_id=ev.rule_id,
                    metric=ev.metric.value,
                    threshold=ev.threshold,
                    value=ev.value,
                    action=ev.action.value,
                    due_days=ev.due_days,
                    reached_at=ev.reached_at,
                ),
            )
        )
    elif isinstance(ev, ItemClosed):
        state.closed = True
    elif isinstance(ev, ProposalModerated):
        if ev.action in HIDING:
            state.hidden = HIDING[ev.action]
        elif ev.action in PRIVACY:
            state.private = PRIVACY[ev.action]
        # Told whenever the item was or is public: a subscriber must learn that it went away.
        if was_visible or state.visible:
            out.append(_draft(env, ItemModerated(action=ev.action, visible=state.visible)))
    elif isinstance(ev, ReviewCaseOpened):
        state.track_case(ev.case_id, "open")
        out.append(
            _draft(
                env,
                CaseOpened(
                    case_id=ev.case_id,
                    department_id=ev.department_id,
                    department_name=ev.department_name,
                    due_at=ev.due_at,
                    reason=ev.reason,
                ),
            )
        )
    elif isinstance(ev, ReviewAnswerSubmitted):
        state.track_case(ev.case_id, "awaiting_approval")
    elif isinstance(ev, ReviewAnswerPublished):
        state.track_case(ev.case_id, "published")
        out.append(
            _draft(
                env,
                AnswerPublished(
                    case_id=ev.case_id,
                    department_id=ev.department_id,
                    department_name=ev.department_name,
                    decision=ev.decision,
                    reason=ev.reason,
                    answer=ev.answer,
                    published_at=ev.published_at,
                ),
            )
        )
    elif isinstance(ev, DeliberationOpened):
        state.kind, state.agency = ev.kind, env.agency
        out.append(
            _draft(
                env,
                DebateOpened(
                    kind=ev.kind,
                    title=ev.title,
                    category=ev.category,
                    department_id=ev.department_id,
                    source_item_id=ev.source_item_id,
                    vote_type=ev.vote_type,
                    options=ev.options,
                    questions=ev.questions,
                    max_choices=ev.max_choices,
                    opens_at=ev.opens_at,
                    closes_at=ev.closes_at,
                ),
            )
        )
    elif isinstance(ev, DeliberationResultPublished):
        state.closed = True
        out.append(
            _draft(
                env,
                DebateClosed(
                    kind=ev.kind,
                    title=ev.title,
                    category=ev.category,
                    source_item_id=ev.source_item_id,
                    vote_type=ev.vote_type,
                    total=ev.total,
                    counts=ev.counts,
                    closed_at=ev.closed_at,
                    published_at=ev.published_at,
                    answer_due_days=ev.answer_due_days,
                ),
            )
        )
    if not state.visible:
        return [d for d in out if d.type == ItemModerated.TYPE]
    stage = state.current_stage()
    if stage is not None and stage != state.stage and not isinstance(ev, ProposalSubmitted):
        previous, state.stage = state.stage, stage
        labels = STAGES.get(stage, {"ko": stage, "en": stage})
        out.append(
            _draft(
                env, StageChanged(stage=stage, previous_stage=previous, label_ko=labels["ko"], label_en=labels["en"])
            )
        )
    return out
