"""Closing a ballot and its final result, and ballots announced by `deliberation.opened` (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.ballots import option
from gongnon_contracts.events import DeliberationOpened
from gongnon_contracts.events.deliberations import BallotOption, BallotQuestion
from voting_svc.domain.ballot import Ballot, BallotInvalid, VoteKind
from voting_svc.domain.closing import count_inside, due_to_close, final_result
from voting_svc.domain.tally import CountedVote
from voting_svc.service_layer.closing import closed_event
from voting_svc.service_layer.defining import ballot_from_event

OPENS = datetime(2019, 10, 22, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=30)
GRACE = timedelta(seconds=20)


def gocheok() -> Ballot:
    return Ballot.define("cs_1", VoteKind.CHOICE, "seoul", opens_at=OPENS, closes_at=CLOSES)


def vote(i: int, choice: str, at: datetime) -> CountedVote:
    return CountedVote(voter=f"ck-{i}", choices=(choice,), cast_at=at)


def test_a_ballot_is_due_once_its_period_and_the_grace_ended() -> None:
    b = gocheok()
    assert not due_to_close(b, CLOSES, GRACE)
    assert not due_to_close(b, CLOSES + GRACE - timedelta(microseconds=1), GRACE)
    assert due_to_close(b, CLOSES + GRACE, GRACE)
    assert not due_to_close(b.close(), CLOSES + timedelta(days=1), GRACE)  # closed already
    assert not due_to_close(Ballot.support("pr_1", "seoul"), CLOSES + timedelta(days=999), GRACE)  # open-ended


def test_the_final_result_counts_votes_inside_the_period_with_every_option() -> None:
    b = gocheok()
    inside = [vote(i, "yes", OPENS + timedelta(days=1)) for i in range(115)]
    inside += [vote(1000 + i, "no", CLOSES - timedelta(seconds=1)) for i in range(251)]
    inside += [vote(2000 + i, "other", OPENS) for i in range(3)]
    # Counted in two chunks, the way the closer reads a large ledger; a vote stamped at the end
    # itself is outside (a clock-skewed instance), so it is not counted.
    first = count_inside(b, inside[:200])
    counted = count_inside(b, [*inside[200:], vote(9999, "yes", CLOSES)], first)
    result = final_result(b, counted)
    assert (result.total, result.counts) == (369, {"yes": 115, "no": 251, "other": 3})
    assert result.as_of == CLOSES - timedelta(seconds=1)
    event = closed_event(result)
    assert (event.item_id, event.kind, event.total, event.closes_at, event.final) == (
        "cs_1",
        "choice",
        369,
        CLOSES,
        True,
    )


def test_an_empty_ballot_closes_with_zeros() -> None:
    b = Ballot.define("m1", VoteKind.MULTI, "seoul", options=[option("a", "A"), option("b", "B")], closes_at=CLOSES)
    result = final_result(b, count_inside(b, []))
    assert (result.total, result.counts) == (0, {"a": 0, "b": 0})
    assert closed_event(result).as_of == CLOSES


def opened(**over: object) -> DeliberationOpened:
    base: dict[str, object] = {
        "item_id": "cs_2",
        "kind": "consultation",
        "title": "길고양이와의 공존을 위해 우리는 무엇을 해야 할까요?",
        "category": "environment",
        "department_id": "dept-environment",
        "source_item_id": None,
        "vote_type": "multi",
        "options": [BallotOption(id=f"o{i}", label=f"방안 {i}") for i in range(5)],
        "max_choices": 3,
        "opens_at": OPENS,
        "closes_at": CLOSES,
    }
    return DeliberationOpened.model_validate({**base, **over})


def test_deliberation_opened_defines_the_ballot() -> None:
    b = ballot_from_event(opened(), "seoul")
    assert (b.kind, b.max_choices, b.opens_at, b.closes_at, b.agency) == (VoteKind.MULTI, 3, OPENS, CLOSES, "seoul")
    assert b.normalize(["o4", "o0"]) == ("o0", "o4")

    labels = [BallotOption(id="yes", label="보호조치 찬성"), BallotOption(id="no", label="보호조치 반대")]
    choice = ballot_from_event(opened(vote_type="choice", options=labels, max_choices=1), "seoul")
    assert [(o.id, o.label) for o in choice.options] == [("yes", "보호조치 찬성"), ("no", "보호조치 반대")]

    question = BallotQuestion(
        id="q1", label="관심?", options=[BallotOption(id="a", label="있다"), BallotOption(id="b", label="없다")]
    )
    research = ballot_from_event(opened(vote_type="research", options=[], questions=[question], max_choices=1), "seoul")
    assert research.normalize(["q1:b"]) == ("q1:b",)

    discussion = ballot_from_event(opened(vote_type="discussion", options=[], max_choices=1), "seoul")
    assert discussion.normalize([]) == ()


@pytest.mark.parametrize(
    "over",
    [{"vote_type": "ranked"}, {"vote_type": "research"}, {"options": [BallotOption(id="only", label="하나")]}],
)
def test_an_unusable_announcement_is_refused(over: dict[str, object]) -> None:
    with pytest.raises(BallotInvalid):
        ballot_from_event(opened(**over), "seoul")
