"""Properties of the rules engine under any delivery of tally snapshots: absolute counts that
may arrive duplicated, reordered, thinned out (coalesced) and interleaved across metrics."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.domain.presets import PRESETS
from proposal_svc.domain.rules import (
    Reading,
    Rule,
    RuleSet,
    RuleState,
    after,
    evaluate,
    expire,
    rule_deadline,
)

OPENED = datetime(2025, 1, 1, tzinfo=UTC)
METRICS = [Metric.SUPPORTS, Metric.DEBATE_PARTICIPANTS]


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    """Small made-up rule sets, plus every shipped preset scaled down to small counts."""
    if draw(st.booleans()):
        base = draw(st.sampled_from(list(PRESETS.values())))
        # Scale thresholds down so that short histories can reach them; windows stay real.
        scaled = tuple(
            replace(r, threshold=max(1, base.threshold(r) // 1000 or 1), threshold_ratio=None) for r in base.rules
        )
        return replace(base, rules=scaled, census=None)
    n = draw(st.integers(1, 5))
    rules = tuple(
        Rule(
            id=f"r{i}",
            metric=draw(st.sampled_from(METRICS)),
            action=draw(st.sampled_from(list(RuleAction))),
            threshold=draw(st.integers(1, 60)),
            window_days=draw(st.none() | st.integers(1, 12)),
            due_days=draw(st.none() | st.integers(1, 30)),
        )
        for i in range(n)
    )
    return RuleSet("prop", "test", "property", 1, rules, close_after_days=draw(st.none() | st.integers(1, 15)))


@st.composite
def histories(draw: st.DrawFn) -> list[Reading]:
    """The true, monotone history of one metric: counts never go down as time goes on."""
    steps = draw(st.lists(st.tuples(st.integers(0, 36 * 60), st.integers(0, 15)), max_size=25))
    out, minutes, total = [], 0, 0
    for dt, dv in steps:
        minutes += dt * 10  # up to 15 days between snapshots
        total += dv
        out.append(Reading(total, OPENED + timedelta(minutes=minutes)))
    return out


Scenario = tuple[RuleSet, dict[Metric, list[Reading]], list[tuple[Metric, Reading]]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    rs = draw(rule_sets())
    hist = {m: draw(histories()) for m in METRICS}
    pool = [(m, r) for m in METRICS for r in hist[m]]
    # Any order, with repeats and gaps: what a consumer of coalesced snapshots may see.
    deliveries = draw(st.lists(st.sampled_from(pool), max_size=60)) if pool else []
    return rs, hist, deliveries


def proven(rs: RuleSet, rule: Rule, seen: list[tuple[Metric, Reading]]) -> bool:
    """Ground truth: some delivered snapshot shows the threshold reached inside the window."""
    deadline = rule_deadline(rs, rule, OPENED)
    return any(
        m == rule.metric and r.value >= rs.threshold(rule) and (deadline is None or r.as_of <= deadline)
        for m, r in seen
    )


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_each_reached_milestone_fires_exactly_once_and_never_early(scenario: Scenario) -> None:
    rs, _, deliveries = scenario
    state = RuleState(opened_at=OPENED)
    fired: Counter[str] = Counter()
    for k, (metric, reading) in enumerate(deliveries):
        at = reading.as_of + timedelta(seconds=5)
        firings = evaluate(rs, state, {metric: reading}, at)
        for f in firings:
            # Never early: the very reading that fired it shows the threshold reached in time.
            assert reading.value >= f.threshold == rs.threshold(f.rule)
            deadline = rule_deadline(rs, f.rule, OPENED)
            assert deadline is None or f.reached_at <= deadline
            assert f.rule.metric == metric
            fired[f.rule.id] += 1
        state = after(state, firings)
        # After every delivery, exactly the rules proven so far have fired.
        seen = deliveries[: k + 1]
        assert set(state.fired) == {r.id for r in rs.rules if proven(rs, r, seen)}
    assert all(c == 1 for c in fired.values())
    assert set(fired) == {r.id for r in rs.rules if proven(rs, r, deliveries)}


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.lists(st.integers(0, 40 * 24 * 60), max_size=6), st.integers(0, 120))
def test_expiry_interleaved_with_snapshots_keeps_every_rule_in_one_state(
    scenario: Scenario, scans: list[int], grace_min: int
) -> None:
    rs, _, deliveries = scenario
    grace = timedelta(minutes=grace_min)
    state = RuleState(opened_at=OPENED)
    events: list[tuple[str, str]] = []
    closes = 0
    # Interleave: deadline scans at arbitrary moments between deliveries.
    steps: list[tuple[Metric, Reading] | datetime] = list(deliveries)
    for i, minute in enumerate(scans):
        steps.insert(min(len(steps), i * 3), OPENED + timedelta(minutes=minute))
    for step in steps:
        if isinstance(step, tuple):
            metric, reading = step
            firings = evaluate(rs, state, {metric: reading}, reading.as_of)
            events += [("fired", f.rule.id) for f in firings]
            state = after(state, firings)
        else:
            now = step
            result = expire(rs, state, now, grace)
            for e in result.expiries:
                assert e.deadline < now - grace
                events.append(("expired", e.rule.id))
            state = after(state, expiries=result.expiries)
            if result.close:
                closes += 1
                state = replace(state, closed_at=result.closes_at)
    assert not state.fired & state.expired
    assert len(events) == len(set(events)) == len({rid for _, rid in events})
    assert closes <= 1
    # A final scan after every deadline settles each rule that has one.
    end = OPENED + timedelta(days=400) + grace
    result = expire(rs, state, end, grace)
    state = after(state, expiries=result.expiries)
    for r in rs.rules:
        if rule_deadline(rs, r, OPENED) is not None:
            assert (r.id in state.fired) != (r.id in state.expired)
    assert (closes + int(result.close) == 1) == (rs.support_window_days is not None)
