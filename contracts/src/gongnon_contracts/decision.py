"""결정 decision votes: the quorum from a project's budget, computed here and nowhere else.

One voter per `krw_per_voter` of budget, rounded up (a started 100,000 KRW needs a voter), clamped
to `minimum..maximum`. Seoul's 2018 plan (seed 001): 100,000 KRW per voter, 1,000..100,000 voters
(0.01 %..1 % of the city). A rule set's DecisionVotePolicy supplies its own parameters; a policy
without `krw_per_voter` (Madrid: a citizen vote with no budget) needs only its minimum."""

from __future__ import annotations

SEOUL_KRW_PER_VOTER = 100_000
SEOUL_QUORUM_MIN = 1_000
SEOUL_QUORUM_MAX = 100_000


def decision_quorum(
    budget_krw: int | None,
    krw_per_voter: int | None = SEOUL_KRW_PER_VOTER,
    minimum: int | None = SEOUL_QUORUM_MIN,
    maximum: int | None = SEOUL_QUORUM_MAX,
) -> int:
    """The turnout a decision vote needs; ValueError for a negative budget or bad parameters."""
    if budget_krw is not None and budget_krw < 0:
        raise ValueError("a budget cannot be negative")
    if krw_per_voter is not None and krw_per_voter < 1:
        raise ValueError("krw_per_voter must be at least 1")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValueError("the minimum quorum must not exceed the maximum")
    voters = 0
    if krw_per_voter is not None and budget_krw is not None:
        voters = -(-budget_krw // krw_per_voter)  # ceiling division, exact for any integer
    if minimum is not None:
        voters = max(voters, minimum)
    if maximum is not None:
        voters = min(voters, maximum)
    return voters


def decision_passes(yes: int, no: int, quorum: int) -> bool:
    """More than 50 % yes (a tie fails) AND turnout at least the quorum; integers, no float."""
    turnout = yes + no
    return 2 * yes > turnout and turnout >= quorum
