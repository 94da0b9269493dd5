"""결정 decision votes: budget quorum and the pass rule (pure, no I/O)."""

from __future__ import annotations

import pytest

from voting_svc.domain.decision import decide, decide_from_counts, quorum_for_budget


@pytest.mark.parametrize(
    ("budget_krw", "quorum"),
    [
        (1_000_000_000, 10_000),  # the seed's example
        (0, 1_000),  # clamped up: at least 0.01 % of Seoul
        (50_000_000, 1_000),  # 500 voters → clamped to 1,000
        (100_000_000, 1_000),
        (100_000_001, 1_001),  # every started 100,000 KRW needs a voter
        (250_000_000, 2_500),
        (10_000_000_000, 100_000),
        (50_000_000_000, 100_000),  # clamped down: at most 1 % of Seoul
    ],
)
def test_quorum_is_one_voter_per_100000_krw_clamped(budget_krw: int, quorum: int) -> None:
    assert quorum_for_budget(budget_krw) == quorum


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        quorum_for_budget(-1)


def test_5001_yes_of_10000_passes() -> None:
    result = decide(yes=5_001, no=4_999, quorum=quorum_for_budget(1_000_000_000))
    assert result.turnout == 10_000
    assert result.majority
    assert result.quorum_met
    assert result.passed


def test_5000_yes_of_10000_is_a_tie_and_fails() -> None:
    result = decide(yes=5_000, no=5_000, quorum=10_000)
    assert result.quorum_met
    assert not result.majority
    assert not result.passed


def test_9999_all_yes_misses_the_quorum_and_fails() -> None:
    result = decide(yes=9_999, no=0, quorum=10_000)
    assert result.majority
    assert not result.quorum_met
    assert not result.passed


def test_decide_from_counts_uses_the_budget_quorum() -> None:
    assert decide_from_counts({"yes": 5_001, "no": 4_999}, 1_000_000_000).passed
    assert not decide_from_counts({"yes": 999}, 0).passed
    assert decide_from_counts({"yes": 1_000}, 0).passed


def test_a_decision_ballot_fixes_its_quorum_from_the_rule_sets_policy() -> None:
    from voting_svc.domain.ballot import Ballot, BallotInvalid, VoteKind
    from voting_svc.domain.decision import QuorumPolicy

    seoul = Ballot.define("p1-decision", VoteKind.DECISION, "seoul", budget_krw=1_000_000_000, source_item_id="p1")
    assert (seoul.quorum, seoul.source_item_id) == (10_000, "p1")
    small = Ballot.define(
        "p2-decision", VoteKind.DECISION, "gu", budget_krw=0, quorum_policy=QuorumPolicy(None, 3, None)
    )
    assert small.quorum == 3
    assert decide_from_counts({"yes": 2, "no": 1}, 0, small.quorum).passed
    with pytest.raises(BallotInvalid):
        Ballot.define("p3", VoteKind.CHOICE, "seoul", source_item_id="p1")
