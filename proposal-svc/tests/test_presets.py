"""Table tests: each shipped preset behaves as its source describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.domain.presets import DEFAULT_PRESET, PRESETS, preset
from proposal_svc.domain.rules import Reading, RuleSet, RuleState, after, close_at, evaluate, expire

OPENED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
S, D = Metric.SUPPORTS, Metric.DEBATE_PARTICIPANTS
A = RuleAction


def run(rs: RuleSet, readings: list[tuple[Metric, int, float]]) -> list[tuple[str, int | None]]:
    """Feed (metric, value, day) readings in order; return (action, due_days) of what fired."""
    state = RuleState(OPENED)
    out = []
    for metric, value, day in readings:
        at = OPENED + timedelta(days=day)
        firings = evaluate(rs, state, {metric: Reading(value, at)}, at)
        state = after(state, firings)
        out += [(f.rule.action.value, f.rule.due_days) for f in firings]
    return out


CASES = [
    # democracy-seoul-2019: 50 → department (20 days), 500 → debate candidate, 5,000 debaters → mayor
    ("democracy-seoul-2019", [(S, 49, 1)], []),
    ("democracy-seoul-2019", [(S, 50, 1)], [("department_answer", 20)]),
    ("democracy-seoul-2019", [(S, 600, 900)], [("department_answer", 20), ("debate_candidate", None)]),
    ("democracy-seoul-2019", [(D, 4_999, 3), (D, 5_000, 4)], [("head_answer", None)]),
    # democracy-seoul-2020: 50 → department, 100 → public debate, 1,000 debaters → mayor
    ("democracy-seoul-2020", [(S, 99, 1), (S, 100, 2)], [("department_answer", 20), ("debate_candidate", None)]),
    ("democracy-seoul-2020", [(D, 1_000, 2)], [("head_answer", None)]),
    # democracy-seoul-2018: 10 → immediate department review, answer within 20 days
    ("democracy-seoul-2018", [(S, 9, 0), (S, 10, 0)], [("department_answer", 20)]),
    # 국민청원: 100 pre-agreements → public; 200,000 within 30 days → answer within 30 days
    ("cheongwadae-petition", [(S, 100, 1), (S, 200_000, 29)], [("make_public", None), ("head_answer", 30)]),
    ("cheongwadae-petition", [(S, 100, 1), (S, 200_000, 31)], [("make_public", None)]),
    # Join: 5,000 within 60 days → agency answer within 2 months
    ("taiwan-join", [(S, 5_000, 59.9)], [("department_answer", 60)]),
    ("taiwan-join", [(S, 5_000, 60.1)], []),
    # UK: 10,000 → government response; 100,000 → debate; six-month window
    ("uk-petitions", [(S, 10_000, 10), (S, 100_000, 100)], [("department_answer", None), ("debate_candidate", None)]),
    ("uk-petitions", [(S, 100_000, 183)], []),
    # Decide Madrid: 1 % of 2,700,000 = 27,000 within 12 months → citizen vote within 3 months
    ("decide-madrid", [(S, 26_999, 30)], []),
    ("decide-madrid", [(S, 27_000, 364)], [("open_decision_vote", 90)]),
    ("decide-madrid", [(S, 27_000, 366)], []),
    # Finland: 50,000 within six months → parliament
    ("finland-citizens-initiative", [(S, 50_000, 182)], [("head_answer", None)]),
    ("finland-citizens-initiative", [(S, 50_000, 184)], []),
    # 천만상상 오아시스: 5 votes → department review
    ("oasis", [(S, 4, 1), (S, 5, 2)], [("department_answer", 20)]),
]


@pytest.mark.parametrize(("preset_id", "readings", "expected"), CASES)
def test_preset_table(preset_id: str, readings: list[tuple[Metric, int, float]], expected: list[object]) -> None:
    assert run(preset(preset_id), readings) == expected


def test_every_mission_preset_ships_with_a_stable_id() -> None:
    assert set(PRESETS) == {
        "democracy-seoul-2019",
        "democracy-seoul-2020",
        "democracy-seoul-2018",
        "cheongwadae-petition",
        "taiwan-join",
        "uk-petitions",
        "decide-madrid",
        "finland-citizens-initiative",
        "oasis",
    }
    assert DEFAULT_PRESET == "democracy-seoul-2019"
    for rs in PRESETS.values():
        assert rs.version >= 1
        assert rs.rules


def test_support_windows() -> None:
    days = {k: rs.support_window_days for k, rs in PRESETS.items()}
    assert days["cheongwadae-petition"] == 30
    assert days["taiwan-join"] == 60
    assert days["uk-petitions"] == 182
    assert days["decide-madrid"] == 365
    assert days["finland-citizens-initiative"] == 183
    assert days["democracy-seoul-2019"] is None  # Seoul's proposals do not close by themselves


def test_petition_starts_unlisted_and_closes_after_30_days() -> None:
    rs = preset("cheongwadae-petition")
    assert rs.listed_on_submit is False
    assert preset("democracy-seoul-2019").listed_on_submit is True
    state = RuleState(OPENED, fired=frozenset({"pre-agreement-100"}))
    assert expire(rs, state, OPENED + timedelta(days=29)).expiries == []
    result = expire(rs, state, OPENED + timedelta(days=30, seconds=1))
    assert [e.rule.id for e in result.expiries] == ["agree-200000"]
    assert result.close
    assert result.closes_at == close_at(rs, OPENED) == OPENED + timedelta(days=30)


def test_madrid_census_is_configurable_and_rounds_up() -> None:
    rs = preset("decide-madrid")
    rule = rs.rules[0]
    assert rs.threshold(rule) == 27_000
    assert rs.with_census(3_300_000).threshold(rule) == 33_000
    assert rs.with_census(2_700_050).threshold(rule) == 27_001  # ceil(27,000.5)
    assert rs.decision_vote is not None
    assert rs.decision_vote.open_days == 7


def test_seoul_2018_decision_vote_quorum_and_majority() -> None:
    dv = preset("democracy-seoul-2018").decision_vote
    assert dv is not None
    assert dv.min_open_days == 30
    # Seed example: budget 1,000,000,000 KRW → quorum 10,000; 5,001 yes of 10,000 passes.
    assert dv.quorum(1_000_000_000) == 10_000
    assert dv.passes(yes=5_001, no=4_999, budget_krw=1_000_000_000)
    assert not dv.passes(yes=5_000, no=5_000, budget_krw=1_000_000_000)  # exactly half is not "more than"
    assert not dv.passes(yes=9_000, no=999, budget_krw=1_000_000_000)  # turnout under the quorum
    assert dv.quorum(1_000) == 1_000  # clamped to 0.01 % of Seoul
    assert dv.quorum(10**15) == 100_000  # and to 1 %
    # The one computation (gongnon_contracts.decision) rounds up: a started 100,000 KRW needs a voter.
    assert dv.quorum(1_000_000_001) == 10_001
