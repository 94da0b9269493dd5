"""Tally arithmetic (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voting_svc.domain.tally import CountedVote, Tally, TallyDelta, combine, count, first_per_key, with_all_options

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def vote(voter: str, *choices: str, minutes: int = 0) -> CountedVote:
    return CountedVote(voter=voter, choices=tuple(choices), cast_at=T0 + timedelta(minutes=minutes))


def test_count_adds_voters_and_options_and_keeps_the_newest_time() -> None:
    delta = count([vote("a", "yes", minutes=3), vote("b", "no", minutes=1), vote("c", "yes", minutes=2)])
    assert delta.total == 3
    assert delta.counts == {"yes": 2, "no": 1}
    assert delta.newest == T0 + timedelta(minutes=3)


def test_support_votes_have_a_total_and_no_option_counts() -> None:
    delta = count([vote("a"), vote("b")])
    assert (delta.total, dict(delta.counts)) == (2, {})


def test_add_is_monotone_and_bumps_seq_once_per_snapshot() -> None:
    t = Tally(item_id="p1", kind="choice")
    t1 = t.add(count([vote("a", "yes"), vote("b", "no")]))
    t2 = t1.add(count([vote("c", "yes", minutes=5)]))
    assert (t1.total, t1.seq) == (2, 1)
    assert (t2.total, dict(t2.counts), t2.seq) == (3, {"yes": 2, "no": 1}, 2)
    assert t2.as_of == T0 + timedelta(minutes=5)


def test_adding_nothing_changes_nothing() -> None:
    t = Tally(item_id="p1", kind="support", total=4, seq=7, as_of=T0)
    assert t.add(TallyDelta()) is t


def test_research_answers_count_per_question_option() -> None:
    delta = count([vote("a", "q1:x", "q2:y"), vote("b", "q1:x", "q2:z")])
    assert delta.counts == {"q1:x": 2, "q2:y": 1, "q2:z": 1}


def test_first_vote_of_a_voter_wins_within_a_batch() -> None:
    votes = [vote("a", "yes"), vote("b", "no"), vote("a", "no"), vote("b", "yes")]
    kept = first_per_key(votes, key=lambda v: v.voter)
    assert [(v.voter, v.choices) for v in kept] == [("a", ("yes",)), ("b", ("no",))]


def test_combine_equals_counting_everything_at_once() -> None:
    votes = [vote(str(i), "yes" if i % 3 else "no", minutes=i) for i in range(10)]
    assert combine(count(votes[:4]), count(votes[4:])) == count(votes)


def test_corrected_is_none_when_the_recount_agrees() -> None:
    t = Tally(item_id="p1", kind="choice", total=2, counts={"yes": 2, "no": 0}, seq=3)
    assert t.corrected(count([vote("a", "yes"), vote("b", "yes")])) is None


def test_corrected_replaces_counts_and_advances_seq() -> None:
    t = Tally(item_id="p1", kind="choice", total=5, counts={"yes": 5}, seq=3, as_of=T0)
    fixed = t.corrected(count([vote("a", "yes", minutes=9), vote("b", "no")]))
    assert fixed is not None
    assert (fixed.total, dict(fixed.counts), fixed.seq) == (2, {"yes": 1, "no": 1}, 4)
    assert fixed.as_of == T0 + timedelta(minutes=9)


def test_with_all_options_shows_zeros_in_ballot_order() -> None:
    assert list(with_all_options({"no": 2}, ["yes", "no", "other"]).items()) == [("yes", 0), ("no", 2), ("other", 0)]
