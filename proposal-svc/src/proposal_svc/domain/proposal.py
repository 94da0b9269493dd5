"""A proposal (시민제안): what it says, how far it got, and its stage. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from proposal_svc.domain import moderation as moderation_rules
from proposal_svc.domain.rules import Firing, RuleSet, RuleState, close_at, next_deadline, next_threshold

TITLE_MIN, TITLE_MAX = 5, 120
BODY_MIN, BODY_MAX = 10, 10_000
HASHTAGS_MAX, HASHTAG_LEN_MAX = 10, 30
STATUSES = ("public", "private", "vote_failed", "trash", "hidden", "withdrawn")
VISIBILITIES = ("public", "private")


class CaseStatus:
    """A review case as this service follows it (review-svc owns the case itself)."""

    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"


def normalize_hashtags(tags: list[str]) -> list[str]:
    """'#환경 ', '환경' → ['환경']: strip the mark and blanks, keep first occurrences in order."""
    out: list[str] = []
    for t in tags:
        tag = t.strip().lstrip("#").strip()
        if tag and tag not in out:
            out.append(tag)
    return out


@dataclass
class Proposal:
    id: str
    agency: str
    title: str
    body: str
    category: str
    district: str | None
    hashtags: list[str]
    author_account: str
    author_name: str
    author_role: ActorRole
    created_at: datetime
    rule_set: RuleSet
    listed: bool
    visibility: str = "public"
    support_count: int = 0
    debate_participants: int = 0
    fired: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed_at: datetime | None = None
    # Moderation (see domain/moderation.py): never deleted, only hidden or trashed with a reason.
    moderation: str = moderation_rules.VISIBLE
    moderation_reason: str | None = None
    moderated_at: datetime | None = None
    withdrawn_at: datetime | None = None
    edited_at: datetime | None = None
    # 결정: the decision vote's result, as voting-svc published it (decision.vote_decided).
    decision_vote: dict[str, Any] | None = None
    # The committee and execution (review-svc's steps): stage, statuses, progress_pct, budget.
    civic: dict[str, Any] | None = None

    @property
    def state(self) -> RuleState:
        return RuleState(
            self.created_at, frozenset(self.fired), frozenset(self.expired), self.closed_at, self.stage == "review"
        )

    @property
    def review_finished_at(self) -> datetime | None:
        """When the last of its answers was published, once none is still being prepared."""
        if self.stage == "review":
            return None
        times = [c["published_at"] for c in self.cases.values() if c.get("published_at") is not None]
        return max(times) if times else None

    @property
    def stage(self) -> str:
        statuses = {c["status"] for c in self.cases.values()}
        if statuses & {CaseStatus.OPEN, CaseStatus.AWAITING_APPROVAL}:
            return "review"
        if CaseStatus.PUBLISHED in statuses:
            return "answered"
        if self.closed_at is not None:
            return "closed"
        return "supporting" if self.listed else "proposed"

    @property
    def browsable(self) -> bool:
        """Shown in the public lists (an unlisted item is reachable by its link only)."""
        return (
            self.listed
            and self.visibility == "public"
            and self.moderation == moderation_rules.VISIBLE
            and self.withdrawn_at is None
        )

    @property
    def public(self) -> bool:
        """Its page is served to anyone (a withdrawn item stays readable, with its timeline)."""
        return self.visibility == "public" and self.moderation == moderation_rules.VISIBLE

    @property
    def status(self) -> str:
        """The admin console's tab (공개 / 비공개 / 투표실패 / 휴지통, plus hidden and withdrawn)."""
        if self.moderation == moderation_rules.TRASHED:
            return "trash"
        if self.moderation == moderation_rules.HIDDEN:
            return "hidden"
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.visibility != "public":
            return "private"
        if self.closed_at is not None and not any(
            m.get("action") not in (RuleAction.MAKE_PUBLIC.value, RuleAction.CLOSE.value) for m in self.milestones
        ):
            return "vote_failed"  # closed without reaching a threshold that asks anything of anyone
        return "public"

    @property
    def metric_values(self) -> dict[Metric, int]:
        return {Metric.SUPPORTS: self.support_count, Metric.DEBATE_PARTICIPANTS: self.debate_participants}

    @property
    def next_deadline(self) -> datetime | None:
        return next_deadline(self.rule_set, self.state)

    @property
    def closes_at(self) -> datetime | None:
        return close_at(self.rule_set, self.created_at)

    def next_threshold(self) -> dict[str, Any] | None:
        return next_threshold(self.rule_set, self.state, self.metric_values)

    def apply(self, firing: Firing) -> None:
        """What a fired rule changes on the item itself."""
        self.fired.append(firing.rule.id)
        self.milestones.append(milestone_record(firing))
        if firing.rule.action == RuleAction.MAKE_PUBLIC:
            self.listed = True
        if firing.rule.action == RuleAction.CLOSE and self.closed_at is None:
            self.closed_at = firing.fired_at

    def track_case(self, case_id: str, status: str, **info: Any) -> bool:
        return track_case(self.cases, case_id, status, **info)


CASE_ORDER = [CaseStatus.OPEN, CaseStatus.AWAITING_APPROVAL, CaseStatus.PUBLISHED]


def track_case(cases: dict[str, dict[str, Any]], case_id: str, status: str, **info: Any) -> bool:
    """Follow a review case of an item (review-svc owns the case; a proposal, debate or
    consultation keeps its status): a case never moves back (a late 'opened' after 'published').
    False when nothing changed."""
    case = cases.get(case_id, {})
    if CASE_ORDER.index(status) < CASE_ORDER.index(case.get("status", CaseStatus.OPEN)):
        return False
    cases[case_id] = {**case, **{k: v for k, v in info.items() if v is not None}, "status": status}
    return True


def milestone_record(f: Firing) -> dict[str, Any]:
    return {
        "rule_id": f.rule.id,
        "metric": f.rule.metric.value,
        "threshold": f.threshold,
        "value": f.value,
        "action": f.rule.action.value,
        "label": f.rule.label,
        "due_days": f.rule.due_days,
        "due_at": f.due_at,
        "reached_at": f.reached_at,
        "fired_at": f.fired_at,
    }


def days_left(closes: datetime | None, now: datetime) -> int | None:
    """D-day: whole days until the support window ends (0 on the last day)."""
    if closes is None:
        return None
    seconds = (closes - now).total_seconds()
    return max(0, int(seconds // 86_400))
