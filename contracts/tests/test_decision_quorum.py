"""The one decision-vote quorum computation (pure)."""

from __future__ import annotations

import pytest

from gongnon_contracts.decision import decision_passes, decision_quorum


@pytest.mark.parametrize(
    ("budget_krw", "quorum"),
    [
        (1_000_000_000, 10_000),  # seed 001: 1,000,000천원 → 10,000 voters
        (1_000_000_001, 10_001),  # a started 100,000 KRW needs a voter: rounded up
        (100_000_001, 1_001),
        (0, 1_000),  # clamped to 0.01 % of Seoul
        (50_000_000, 1_000),
        (10_000_000_000, 100_000),
        (10**15, 100_000),  # clamped to 1 % of Seoul
    ],
)
def test_seoul_quorum_is_one_voter_per_started_100000_krw_clamped(budget_krw: int, quorum: int) -> None:
    assert decision_quorum(budget_krw) == quorum


def test_a_rule_sets_own_parameters() -> None:
    assert decision_quorum(1_000_000, krw_per_voter=300_000, minimum=1, maximum=None) == 4
    assert decision_quorum(10**12, krw_per_voter=1_000, minimum=None, maximum=500) == 500
    # Madrid's citizen vote has no budget quorum: the minimum alone, or none at all.
    assert decision_quorum(0, krw_per_voter=None, minimum=3, maximum=None) == 3
    assert decision_quorum(None, krw_per_voter=None, minimum=None, maximum=None) == 0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        decision_quorum(-1)
    with pytest.raises(ValueError, match="krw_per_voter"):
        decision_quorum(1, krw_per_voter=0)
    with pytest.raises(ValueError, match="minimum"):
        decision_quorum(1, minimum=10, maximum=5)


def test_pass_rule_more_than_half_and_the_quorum() -> None:
    assert decision_passes(5_001, 4_999, 10_000)
    assert not decision_passes(5_000, 5_000, 10_000)  # a tie is not more than 50 %
    assert not decision_passes(9_999, 0, 10_000)  # turnout under the quorum
