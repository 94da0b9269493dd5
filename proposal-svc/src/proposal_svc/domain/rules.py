"""The threshold rules engine. Pure: no I/O, no clock; every time is passed in.

A rule reads "when METRIC reaches N within D days of opening → ACTION, due within R days".
Thresholds are data (see presets.py), so an agency changes its numbers without changing code.

Counts arrive as absolute snapshots (a reading: value at as_of), possibly late, twice or out of
order. Because counts only grow, one reading with value ≥ N and as_of inside the window proves the
threshold was reached in time; the engine fires a rule on the first such reading and never again
(the fired ids live in the caller's state)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from gongnon_contracts.decision import (
    SEOUL_KRW_PER_VOTER,
    SEOUL_QUORUM_MAX,
    SEOUL_QUORUM_MIN,
    decision_quorum,
)
from gongnon_contracts.events.common import Metric, RuleAction

DAY = timedelta(days=1)
DEFAULT_DECISION_DAYS = 30  # Seoul 2018: the decision vote is open at least 30 days


class RuleError(ValueError):
    """A rule or rule set that cannot be evaluated (bad figures)."""


@dataclass(frozen=True)
class Rule:
    id: str
    metric: Metric
    action: RuleAction
    threshold: int | None = None
    threshold_ratio: float | None = None  # a share of the rule set's census, rounded up
    window_days: int | None = None  # must be reached within this many days of opening
    due_days: int | None = None  # the action must be done within this many days
    label: str = ""  # what people read (Korean)
    params: Mapping[str, Any] = field(default_factory=dict)  # action details, e.g. vote length

    def __post_init__(self) -> None:
        if (self.threshold is None) == (self.threshold_ratio is None):
            raise RuleError(f"rule {self.id}: give exactly one of threshold and threshold_ratio")
        if self.threshold is not None and self.threshold < 1:
            raise RuleError(f"rule {self.id}: threshold must be at least 1")
        if self.threshold_ratio is not None and not 0 < self.threshold_ratio <= 1:
            raise RuleError(f"rule {self.id}: threshold_ratio must be in (0, 1]")
        for name in ("window_days", "due_days"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise RuleError(f"rule {self.id}: {name} must be at least 1")


@dataclass(frozen=True)
class DecisionVotePolicy:
    """How a decision vote (결정 투표) held under this rule set runs and passes."""

    min_open_days: int | None = None  # open at least this long (Seoul 2018: 30)
    open_days: int | None = None  # open exactly this long (Madrid: one week)
    pass_ratio: float = 0.5  # passes with strictly more than this share of yes
    krw_per_voter: int | None = None  # quorum: one voter per this much budget (Seoul: 100,000 KRW)
    quorum_min: int | None = None
    quorum_max: int | None = None

    def quorum(self, budget_krw: int | None) -> int:
        # The one quorum computation (rounding up), with this policy's parameters.
        return decision_quorum(budget_krw, self.krw_per_voter, self.quorum_min, self.quorum_max)

    def period(self, opens_at: datetime) -> tuple[datetime, datetime]:
        """When a vote opened now closes: exactly `open_days`, else at least `min_open_days`,
        else Seoul's 30 days."""
        days = self.open_days or self.min_open_days or DEFAULT_DECISION_DAYS
        return opens_at, opens_at + timedelta(days=days)

    def passes(self, yes: int, no: int, other: int = 0, budget_krw: int | None = None) -> bool:
        turnout = yes + no + other
        if turnout == 0 or turnout < self.quorum(budget_krw):
            return False
        return Fraction(yes, turnout) > Fraction(str(self.pass_ratio))


SEOUL_DECISION_POLICY = DecisionVotePolicy(
    min_open_days=DEFAULT_DECISION_DAYS,
    krw_per_voter=SEOUL_KRW_PER_VOTER,
    quorum_min=SEOUL_QUORUM_MIN,
    quorum_max=SEOUL_QUORUM_MAX,
)


@dataclass(frozen=True)
class RuleSet:
    id: str
    agency: str
    name: str
    version: int
    rules: tuple[Rule, ...]
    census: int | None = None  # population that threshold_ratio applies to
    close_after_days: int | None = None  # the item's support window
    decision_vote: DecisionVotePolicy | None = None
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise RuleError(f"rule set {self.id}: rule ids must be unique")
        if self.census is not None and self.census < 1:
            raise RuleError(f"rule set {self.id}: census must be at least 1")
        if self.close_after_days is not None and self.close_after_days < 1:
            raise RuleError(f"rule set {self.id}: close_after_days must be at least 1")
        for r in self.rules:
            if r.threshold_ratio is not None and self.census is None:
                raise RuleError(f"rule set {self.id}: rule {r.id} is a share of the census, but no census is set")

    def threshold(self, rule: Rule) -> int:
        if rule.threshold is not None:
            return rule.threshold
        assert rule.threshold_ratio is not None
        assert self.census is not None
        # Exact decimal arithmetic: 1 % of 2,700,000 is 27,000, not 27,000.000000000004 → 27,001.
        return max(1, math.ceil(Fraction(str(rule.threshold_ratio)) * self.census))

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def support_window_days(self) -> int | None:
        """How long the item gathers support: close_after_days, else the longest rule window
        when every rule has one (after it nothing can fire any more), else open-ended."""
        if self.close_after_days is not None:
            return self.close_after_days
        if self.rules and all(r.window_days is not None for r in self.rules):
            return max(r.window_days for r in self.rules if r.window_days is not None)
        return None

    @property
    def listed_on_submit(self) -> bool:
        """Items start unlisted (visible by direct link only) when a rule has to make them public."""
        return not any(r.action == RuleAction.MAKE_PUBLIC for r in self.rules)

    def with_census(self, census: int | None) -> RuleSet:
        return self if census is None else replace(self, census=census)

    def for_agency(self, agency: str) -> RuleSet:
        return replace(self, agency=agency)


@dataclass(frozen=True)
class Reading:
    """An absolute count of a metric, as of the newest vote it includes."""

    value: int
    as_of: datetime


@dataclass(frozen=True)
class RuleState:
    """What already happened to an item under its rule set."""

    opened_at: datetime
    fired: frozenset[str] = frozenset()
    expired: frozenset[str] = frozenset()
    closed_at: datetime | None = None
    # A department is reviewing it: the support window does not end before the review does
    # (제안숙성: supports and comments stay open while the answer is prepared).
    held_open: bool = False


@dataclass(frozen=True)
class RuleView:
    """An item's rules and what already happened under them: what deciding whether a reading
    fires anything takes."""

    rule_set: RuleSet
    state: RuleState

    def fires(self, metric: Metric, reading: Reading, at: datetime) -> bool:
        return bool(evaluate(self.rule_set, self.state, {metric: reading}, at))


@dataclass(frozen=True)
class Firing:
    rule: Rule
    threshold: int
    value: int
    reached_at: datetime  # as_of of the reading that proved the threshold
    fired_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Expiry:
    rule: Rule
    threshold: int
    deadline: datetime


@dataclass(frozen=True)
class Expiration:
    expiries: list[Expiry]
    close: bool  # the item's support window ended now
    closes_at: datetime | None


def close_at(rule_set: RuleSet, opened_at: datetime) -> datetime | None:
    days = rule_set.support_window_days
    return None if days is None else opened_at + days * DAY


def rule_deadline(rule_set: RuleSet, rule: Rule, opened_at: datetime) -> datetime | None:
    """The last moment a reading counts for this rule: its own window or the item's support
    window, whichever ends first; None when open-ended."""
    ends = [opened_at + rule.window_days * DAY] if rule.window_days is not None else []
    closing = close_at(rule_set, opened_at)
    if closing is not None:
        ends.append(closing)
    return min(ends) if ends else None


def pending(rule_set: RuleSet, state: RuleState) -> list[Rule]:
    return [r for r in rule_set.rules if r.id not in state.fired and r.id not in state.expired]


def evaluate(rule_set: RuleSet, state: RuleState, metrics: Mapping[Metric, Reading], at: datetime) -> list[Firing]:
    """The rules this reading makes fire now, lowest threshold first. `at` is when the firing
    is recorded; a due date counts from it."""
    firings: list[Firing] = []
    for rule in pending(rule_set, state):
        reading = metrics.get(rule.metric)
        if reading is None:
            continue
        n = rule_set.threshold(rule)
        if reading.value < n:
            continue
        deadline = rule_deadline(rule_set, rule, state.opened_at)
        if deadline is not None and reading.as_of > deadline:
            continue
        if state.closed_at is not None and reading.as_of > state.closed_at:
            continue
        due = at + rule.due_days * DAY if rule.due_days is not None else None
        firings.append(Firing(rule, n, reading.value, reading.as_of, at, due))
    firings.sort(key=lambda f: (f.threshold, f.rule.id))
    return firings


def expire(rule_set: RuleSet, state: RuleState, now: datetime, grace: timedelta = timedelta(0)) -> Expiration:
    """Pending rules whose deadline passed, and whether the support window ended. `grace` holds
    expiry back a little so that a late snapshot of votes cast inside the window still counts."""
    settled = now - grace
    expiries = []
    for rule in pending(rule_set, state):
        deadline = rule_deadline(rule_set, rule, state.opened_at)
        if deadline is not None and deadline < settled:
            expiries.append(Expiry(rule, rule_set.threshold(rule), deadline))
    closing = close_at(rule_set, state.opened_at)
    close = state.closed_at is None and closing is not None and closing < settled and not state.held_open
    return Expiration(expiries, close, closing)


def after(state: RuleState, firings: Iterable[Firing] = (), expiries: Iterable[Expiry] = ()) -> RuleState:
    return replace(
        state,
        fired=state.fired | {f.rule.id for f in firings},
        expired=state.expired | {e.rule.id for e in expiries},
    )


def next_deadline(rule_set: RuleSet, state: RuleState) -> datetime | None:
    """When the expiry scan must next look at this item (None: never)."""
    times = [rule_deadline(rule_set, r, state.opened_at) for r in pending(rule_set, state)]
    if state.closed_at is None and not state.held_open:  # held open: looked at again when the review ends
        times.append(close_at(rule_set, state.opened_at))
    known = [t for t in times if t is not None]
    return min(known) if known else None


def next_threshold(rule_set: RuleSet, state: RuleState, values: Mapping[Metric, int]) -> dict[str, Any] | None:
    """The milestone the item is heading for (the progress bar): supports first, lowest N."""
    candidates = sorted(
        pending(rule_set, state),
        key=lambda r: (r.metric != Metric.SUPPORTS, rule_set.threshold(r), r.id),
    )
    if not candidates or state.closed_at is not None:
        return None
    rule = candidates[0]
    return {
        "rule_id": rule.id,
        "metric": rule.metric.value,
        "threshold": rule_set.threshold(rule),
        "action": rule.action.value,
        "value": values.get(rule.metric, 0),
        "deadline": rule_deadline(rule_set, rule, state.opened_at),
    }


# --- serialization (a proposal keeps a snapshot of the rule set it opened under) ---


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "metric": rule.metric.value,
        "action": rule.action.value,
        "threshold": rule.threshold,
        "threshold_ratio": rule.threshold_ratio,
        "window_days": rule.window_days,
        "due_days": rule.due_days,
        "label": rule.label,
        "params": dict(rule.params),
    }


def rule_set_to_dict(rs: RuleSet) -> dict[str, Any]:
    dv = rs.decision_vote
    return {
        "id": rs.id,
        "agency": rs.agency,
        "name": rs.name,
        "version": rs.version,
        "census": rs.census,
        "close_after_days": rs.close_after_days,
        "support_window_days": rs.support_window_days,
        "description": rs.description,
        "source": rs.source,
        "rules": [rule_to_dict(r) | {"effective_threshold": rs.threshold(r)} for r in rs.rules],
        "decision_vote": None if dv is None else {k: getattr(dv, k) for k in DecisionVotePolicy.__dataclass_fields__},
    }


def rule_set_from_dict(d: Mapping[str, Any]) -> RuleSet:
    rules = tuple(
        Rule(
            id=r["id"],
            metric=Metric(r["metric"]),
            action=RuleAction(r["action"]),
            threshold=r.get("threshold"),
            threshold_ratio=r.get("threshold_ratio"),
            window_days=r.get("window_days"),
            due_days=r.get("due_days"),
            label=r.get("label", ""),
            params=dict(r.get("params") or {}),
        )
        for r in d["rules"]
    )
    dv = d.get("decision_vote")
    return RuleSet(
        id=d["id"],
        agency=d["agency"],
        name=d["name"],
        version=d["version"],
        rules=rules,
        census=d.get("census"),
        close_after_days=d.get("close_after_days"),
        decision_vote=DecisionVotePolicy(**dv) if dv else None,
        description=d.get("description", ""),
        source=d.get("source", ""),
    )
