"""결정 decision votes: a project passes with more than 50 % yes AND turnout at least the quorum.

The quorum comes from the budget by the one function in the contracts (`decision_quorum`), with
the parameters of the agency's rule set (Seoul's by default: one voter per 100,000 KRW, rounded
up, clamped to 1,000..100,000 voters). It is fixed when the ballot opens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gongnon_contracts.decision import (
    SEOUL_KRW_PER_VOTER,
    SEOUL_QUORUM_MAX,
    SEOUL_QUORUM_MIN,
    decision_passes,
    decision_quorum,
)

KRW_PER_VOTER = SEOUL_KRW_PER_VOTER
MIN_QUORUM = SEOUL_QUORUM_MIN
MAX_QUORUM = SEOUL_QUORUM_MAX


@dataclass(frozen=True)
class QuorumPolicy:
    """A rule set's quorum parameters (DecisionVotePolicy); Seoul's when the rule set has none."""

    krw_per_voter: int | None = SEOUL_KRW_PER_VOTER
    minimum: int | None = SEOUL_QUORUM_MIN
    maximum: int | None = SEOUL_QUORUM_MAX

    def quorum(self, budget_krw: int) -> int:
        return decision_quorum(budget_krw, self.krw_per_voter, self.minimum, self.maximum)


def quorum_for_budget(budget_krw: int) -> int:
    return decision_quorum(budget_krw)


@dataclass(frozen=True)
class DecisionResult:
    yes: int
    no: int
    turnout: int
    quorum: int
    majority: bool
    quorum_met: bool

    @property
    def passed(self) -> bool:
        return self.majority and self.quorum_met


def decide(yes: int, no: int, quorum: int) -> DecisionResult:
    if yes < 0 or no < 0 or quorum < 0:
        raise ValueError("counts and quorum cannot be negative")
    turnout = yes + no
    # "More than 50 %": a tie fails; integer arithmetic, no float rounding.
    result = DecisionResult(
        yes=yes,
        no=no,
        turnout=turnout,
        quorum=quorum,
        majority=2 * yes > turnout,
        quorum_met=turnout >= quorum,
    )
    assert result.passed == decision_passes(yes, no, quorum)
    return result


def decide_from_counts(counts: Mapping[str, int], budget_krw: int, quorum: int | None = None) -> DecisionResult:
    """The result of a decision ballot; `quorum` is the one fixed at opening (older ballots have none)."""
    fixed = quorum_for_budget(budget_krw) if quorum is None else quorum
    return decide(counts.get("yes", 0), counts.get("no", 0), fixed)
