"""Ballots of every kind: which votes they accept (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.ballots import BallotQuestion, option
from voting_svc.domain.ballot import Ballot, BallotInvalid, VoteKind, VoteRejected

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def rejected(ballot: Ballot, choices: list[str]) -> str:
    with pytest.raises(VoteRejected) as exc:
        ballot.normalize(choices)
    return exc.value.code


def test_support_takes_no_choices() -> None:
    b = Ballot.support("p1", "seoul")
    assert b.normalize([]) == ()
    assert rejected(b, ["yes"]) == "invalid_choice"


def test_choice_ballot_defaults_to_yes_no_other_and_takes_exactly_one() -> None:
    b = Ballot.define("c1", VoteKind.CHOICE, "seoul")
    assert [o.id for o in b.options] == ["yes", "no", "other"]
    assert b.normalize(["other"]) == ("other",)
    assert rejected(b, []) == "invalid_choice"
    assert rejected(b, ["yes", "no"]) == "invalid_choice"
    assert rejected(b, ["maybe"]) == "invalid_choice"


def test_choice_labels_are_per_item() -> None:
    b = Ballot.define("c2", VoteKind.CHOICE, "seoul", options=[option("ban", "금지 찬성"), option("keep", "금지 반대")])
    assert b.normalize(["keep"]) == ("keep",)


def test_multi_picks_up_to_n_distinct_options_in_ballot_order() -> None:
    opts = [option(x, x.upper()) for x in ("a", "b", "c", "d", "e")]
    b = Ballot.define("m1", VoteKind.MULTI, "seoul", options=opts, max_choices=3)
    assert b.normalize(["c", "a"]) == ("a", "c")
    assert b.normalize(["e", "d", "a"]) == ("a", "d", "e")
    assert rejected(b, ["a", "b", "c", "d"]) == "invalid_choice"
    assert rejected(b, ["a", "a"]) == "invalid_choice"
    assert rejected(b, []) == "invalid_choice"


def test_research_needs_one_answer_per_question() -> None:
    qs = [
        BallotQuestion(id="q1", label="자주 이용하나요?", options=(option("yes", "예"), option("no", "아니오"))),
        BallotQuestion(
            id="q2",
            label="만족하나요?",
            options=(option("good", "만족"), option("bad", "불만족"), option("na", "모름")),
        ),
    ]
    b = Ballot.define("r1", VoteKind.RESEARCH, "seoul", questions=qs)
    assert b.normalize(["q2:na", "q1:yes"]) == ("q1:yes", "q2:na")
    assert rejected(b, ["q1:yes"]) == "invalid_choice"  # q2 unanswered
    assert rejected(b, ["q1:yes", "q1:no", "q2:na"]) == "invalid_choice"
    assert rejected(b, ["q1:maybe", "q2:na"]) == "invalid_choice"
    assert rejected(b, ["q3:yes", "q1:yes", "q2:na"]) == "invalid_choice"
    assert b.option_keys() == ("q1:yes", "q1:no", "q2:good", "q2:bad", "q2:na")


def test_decision_needs_a_budget_and_takes_yes_or_no() -> None:
    with pytest.raises(BallotInvalid):
        Ballot.define("d1", VoteKind.DECISION, "seoul")
    b = Ballot.define("d1", VoteKind.DECISION, "seoul", budget_krw=1_000_000_000)
    assert b.normalize(["yes"]) == ("yes",)
    assert rejected(b, ["other"]) == "invalid_choice"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": VoteKind.SUPPORT, "options": [option("a", "A")]},
        {"kind": VoteKind.MULTI, "options": [option("a", "A")]},
        {"kind": VoteKind.MULTI, "options": [option("a", "A"), option("b", "B")], "max_choices": 3},
        {"kind": VoteKind.CHOICE, "options": [option("A.b", "bad id"), option("c", "C")]},
        {"kind": VoteKind.CHOICE, "options": [option("a", "A"), option("a", "again")]},
        {"kind": VoteKind.CHOICE, "max_choices": 2},
        {"kind": VoteKind.RESEARCH},
        {"kind": VoteKind.CHOICE, "budget_krw": 10},
    ],
)
def test_bad_definitions_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(BallotInvalid):
        Ballot.define("x", agency="seoul", **kwargs)  # type: ignore[arg-type]


def test_voting_period_and_closing() -> None:
    b = Ballot.define("c3", VoteKind.CHOICE, "seoul", opens_at=NOW, closes_at=NOW + timedelta(days=30))
    b.check_open(NOW + timedelta(days=1))
    for when, code in [(NOW - timedelta(seconds=1), "voting_not_open"), (NOW + timedelta(days=30), "voting_closed")]:
        with pytest.raises(VoteRejected) as exc:
            b.check_open(when)
        assert exc.value.code == code
    with pytest.raises(VoteRejected) as exc:
        Ballot.support("p1", "seoul").close().check_open(NOW)
    assert exc.value.code == "voting_closed"
