"""Offline batches, pure rules: choices checked against the ballot, one line per citizen, stable ids."""

from __future__ import annotations

import pytest

from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.domain.offline import (
    BatchInvalid,
    OfflineLine,
    Reject,
    RejectReason,
    offline_ids,
    plan_import,
)

IMPORT = "a" * 64


def test_support_lines_become_votes_in_file_order_and_a_repeated_citizen_counts_once() -> None:
    ballot = Ballot.support("pr_1", "seoul")
    lines = [OfflineLine(5, "ck-b"), OfflineLine(2, "ck-a"), OfflineLine(7, "ck-a"), OfflineLine(9, "ck-c", ("yes",))]
    plan = plan_import(ballot, IMPORT, lines, [Reject(3, RejectReason.MALFORMED, "expected 2 fields")])
    assert [(v.line, v.citizen_key) for v in plan.votes] == [(2, "ck-a"), (5, "ck-b")]
    reasons = {r.line: r.reason for r in plan.rejects}
    assert reasons == {
        3: RejectReason.MALFORMED,
        7: RejectReason.DUPLICATE_IN_FILE,
        9: RejectReason.INVALID_CHOICE,  # a support takes no choice
    }
    assert "line 2" in next(r.message for r in plan.rejects if r.line == 7)


def test_choices_are_checked_and_normalised_for_ballots_with_options() -> None:
    ballot = Ballot.define(
        "pr_2", VoteKind.MULTI, "seoul", options=Ballot.define("x", VoteKind.CHOICE, "seoul").options, max_choices=2
    )
    plan = plan_import(
        ballot,
        IMPORT,
        [
            OfflineLine(2, "a", ("other", "yes")),
            OfflineLine(3, "b", ("yes", "no", "other")),
            OfflineLine(4, "c", ("x",)),
        ],
        [],
    )
    assert [(v.line, v.choices) for v in plan.votes] == [(2, ("yes", "other"))]
    assert {r.line: r.reason for r in plan.rejects} == {3: RejectReason.INVALID_CHOICE, 4: RejectReason.INVALID_CHOICE}


def test_ids_are_stable_per_item_file_and_line() -> None:
    assert offline_ids("pr_1", IMPORT, 2) == offline_ids("pr_1", IMPORT, 2)
    assert offline_ids("pr_1", IMPORT, 2) != offline_ids("pr_1", IMPORT, 3)
    assert offline_ids("pr_1", IMPORT, 2) != offline_ids("pr_2", IMPORT, 2)
    vote_id, event_id = offline_ids("pr_1", IMPORT, 2)
    assert vote_id.startswith("vo_")
    assert event_id.startswith("ev_")
    plan = plan_import(Ballot.support("pr_1", "seoul"), IMPORT, [OfflineLine(2, "ck")], [])
    assert (plan.votes[0].vote_id, plan.votes[0].event_id) == (vote_id, event_id)


def test_a_line_number_given_twice_is_refused() -> None:
    with pytest.raises(BatchInvalid):
        plan_import(Ballot.support("pr_1", "seoul"), IMPORT, [OfflineLine(2, "a")], [Reject(2, RejectReason.MALFORMED)])
