"""결정 decision votes: a project passes with more than 50 % yes AND turnout at least the quorum.

The quorum scales with the project's budget: one voter per 100,000 KRW, clamped to
1,000..100,000 voters (0.01 %..1 % of Seoul's ten million)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

KRW_PER_VOTER = 100_000
MIN_QUORUM = 1_000
MAX_QUORUM = 100_000


def quorum_for_budget(budget_krw: int) -> int:
    if budget_krw < 0:
        raise ValueError("a budget cannot be negative")
    # Every started 100,000 KRW needs a voter: rounding up never lets a quorum fall short.
    voters = -(-budget_krw // KRW_PER_VOTER)
    return min(MAX_QUORUM, max(MIN_QUORUM, voters))


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
    return DecisionResult(
        yes=yes,
        no=no,
        turnout=turnout,
        quorum=quorum,
        majority=2 * yes > turnout,
        quorum_met=turnout >= quorum,
    )


def decide_from_counts(counts: Mapping[str, int], budget_krw: int) -> DecisionResult:
    return decide(counts.get("yes", 0), counts.get("no", 0), quorum_for_budget(budget_krw))
