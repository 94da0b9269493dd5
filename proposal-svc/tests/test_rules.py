"""Unit tests of the pure rules engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.domain.presets import PRESETS
from proposal_svc.domain.rules import (
    Reading,
    Rule,
    RuleError,
    RuleSet,
    RuleState,
    after,
    evaluate,
    expire,
    next_deadline,
    next_threshold,
    rule_set_from_dict,
    rule_set_to_dict,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
S = Metric.SUPPORTS


def rs(*rules: Rule, close_after_days: int | None = None) -> RuleSet:
    return RuleSet("t", "test", "test", 1, rules, close_after_days=close_after_days)


def test_fires_once_with_due_date_from_recording_time() -> None:
    rules = rs(Rule("a", S, RuleAction.DEPARTMENT_ANSWER, 3, due_days=20))
    state = RuleState(T0)
    at = T0 + timedelta(days=2)
    [f] = evaluate(rules, state, {S: Reading(5, T0 + timedelta(days=1))}, at)
    assert (f.rule.id, f.threshold, f.value) == ("a", 3, 5)
    assert f.reached_at == T0 + timedelta(days=1)
    assert f.due_at == at + timedelta(days=20)
    assert evaluate(rules, after(state, [f]), {S: Reading(9, at)}, at) == []


def test_window_is_inclusive_and_uses_the_snapshot_time() -> None:
    rules = rs(Rule("a", S, RuleAction.HEAD_ANSWER, 10, window_days=3))
    state = RuleState(T0)
    late = T0 + timedelta(days=10)  # processed late, but the votes were in time
    assert evaluate(rules, state, {S: Reading(10, T0 + timedelta(days=3))}, late)
    assert not evaluate(rules, state, {S: Reading(10, T0 + timedelta(days=3, microseconds=1))}, late)


def test_other_metric_and_closed_item_do_not_fire() -> None:
    rules = rs(Rule("a", S, RuleAction.DEBATE_CANDIDATE, 1))
    assert not evaluate(rules, RuleState(T0), {Metric.DEBATE_PARTICIPANTS: Reading(100, T0)}, T0)
    closed = RuleState(T0, closed_at=T0 + timedelta(days=1))
    assert not evaluate(rules, closed, {S: Reading(5, T0 + timedelta(days=2))}, T0 + timedelta(days=2))
    assert evaluate(rules, closed, {S: Reading(5, T0 + timedelta(hours=1))}, T0 + timedelta(days=2))


def test_expired_rules_never_fire_and_grace_delays_expiry() -> None:
    rules = rs(Rule("a", S, RuleAction.HEAD_ANSWER, 10, window_days=1))
    state = RuleState(T0)
    end = T0 + timedelta(days=1)
    assert expire(rules, state, end + timedelta(seconds=30), grace=timedelta(minutes=1)).expiries == []
    result = expire(rules, state, end + timedelta(minutes=2), grace=timedelta(minutes=1))
    assert [e.rule.id for e in result.expiries] == ["a"]
    assert result.close  # every rule had a window: nothing can happen any more, so the item closes
    state = after(state, expiries=result.expiries)
    assert evaluate(rules, state, {S: Reading(50, T0)}, end) == []
    assert expire(rules, state, end + timedelta(days=9)).expiries == []


def test_support_window_bounds_open_ended_rules() -> None:
    assert rs(Rule("a", S, RuleAction.DEPARTMENT_ANSWER, 10)).support_window_days is None  # open-ended
    rules = rs(Rule("a", S, RuleAction.DEPARTMENT_ANSWER, 10), close_after_days=5)
    state = RuleState(T0)
    assert not evaluate(rules, state, {S: Reading(10, T0 + timedelta(days=6))}, T0 + timedelta(days=6))
    assert next_deadline(rules, state) == T0 + timedelta(days=5)
    result = expire(rules, state, T0 + timedelta(days=6))
    assert [e.rule.id for e in result.expiries] == ["a"]
    assert result.close


def test_next_deadline_moves_on_and_ends() -> None:
    rules = rs(
        Rule("a", S, RuleAction.DEPARTMENT_ANSWER, 10, window_days=2),
        Rule("b", S, RuleAction.HEAD_ANSWER, 20, window_days=7),
    )
    state = RuleState(T0)
    assert next_deadline(rules, state) == T0 + timedelta(days=2)
    state = after(state, expiries=expire(rules, state, T0 + timedelta(days=3)).expiries)
    assert next_deadline(rules, state) == T0 + timedelta(days=7)
    state = RuleState(T0, fired=frozenset({"b"}), expired=frozenset({"a"}), closed_at=T0 + timedelta(days=7))
    assert next_deadline(rules, state) is None


def test_next_threshold_prefers_supports_and_the_lowest() -> None:
    rules = PRESETS["democracy-seoul-2019"]
    nt = next_threshold(rules, RuleState(T0), {S: 42})
    assert nt is not None
    assert (nt["metric"], nt["threshold"], nt["action"], nt["value"]) == ("supports", 50, "department_answer", 42)
    nt = next_threshold(rules, RuleState(T0, fired=frozenset({"supports-50", "supports-500"})), {S: 600})
    assert nt is not None
    assert (nt["metric"], nt["threshold"]) == ("debate_participants", 5000)


def test_rule_sets_survive_serialization() -> None:
    for preset in PRESETS.values():
        assert rule_set_from_dict(rule_set_to_dict(preset)) == preset


@pytest.mark.parametrize(
    "bad",
    [
        {"threshold": None},
        {"threshold": 5, "threshold_ratio": 0.1},
        {"threshold": 0},
        {"threshold": 5, "window_days": 0},
        {"threshold": None, "threshold_ratio": 1.5},
    ],
)
def test_bad_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(RuleError):
        Rule("x", S, RuleAction.CLOSE, **bad)  # type: ignore[arg-type]


def test_bad_rule_sets_are_refused() -> None:
    with pytest.raises(RuleError):
        rs(Rule("a", S, RuleAction.CLOSE, 1), Rule("a", S, RuleAction.CLOSE, 2))
    with pytest.raises(RuleError):
        rs(Rule("a", S, RuleAction.CLOSE, threshold_ratio=0.1))  # a share of no census
