"""Debates and consultations, pure: ballot definitions, periods, status, published results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.ballots import BallotOption, BallotQuestion, option
from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain.deliberation import (
    BallotSpec,
    Deliberation,
    DeliberationInvalid,
    DeliberationKind,
    Period,
    Result,
    Status,
    VoteType,
    percent,
    period_for,
    result_rows,
    result_summary,
)
from proposal_svc.domain.proposal import track_case

NOW = datetime(2019, 10, 22, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
C = DeliberationKind.CONSULTATION
D = DeliberationKind.DEBATE


def test_choice_defaults_to_yes_no_other_and_keeps_the_items_labels_in_canonical_order() -> None:
    assert [o.id for o in BallotSpec.define(VoteType.CHOICE).options] == ["yes", "no", "other"]
    spec = BallotSpec.define(
        VoteType.CHOICE, [option("other", "기타 의견"), option("yes", "보호조치 찬성"), option("no", "보호조치 반대")]
    )
    assert [(o.id, o.label) for o in spec.options] == [
        ("yes", "보호조치 찬성"),
        ("no", "보호조치 반대"),
        ("other", "기타 의견"),
    ]
    assert [o.id for o in BallotSpec.define(VoteType.CHOICE, [option("yes", "y"), option("no", "n")]).options] == [
        "yes",
        "no",
    ]


@pytest.mark.parametrize(
    "options",
    [
        [option("yes", "찬성")],  # no "no"
        [option("yes", "찬성"), option("no", "반대"), option("maybe", "글쎄")],
        [option("yes", "찬성"), option("yes", "또 찬성"), option("no", "반대")],
    ],
)
def test_choice_options_are_yes_no_and_other_only(options: list[BallotOption]) -> None:
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.CHOICE, options)


def test_multi_picks_up_to_n_default_three() -> None:
    five = [option(f"o{i}", f"방안 {i}") for i in range(5)]
    assert BallotSpec.define(VoteType.MULTI, five).max_choices == 3
    assert BallotSpec.define(VoteType.MULTI, five[:2]).max_choices == 2
    assert BallotSpec.define(VoteType.MULTI, five, max_choices=5).max_choices == 5
    for bad in (0, 6):
        with pytest.raises(DeliberationInvalid):
            BallotSpec.define(VoteType.MULTI, five, max_choices=bad)
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.MULTI, five[:1])
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.MULTI, [option("A b", "x"), option("c", "y")])  # not a plain id


def test_only_multi_picks_more_than_one() -> None:
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.CHOICE, max_choices=2)


def test_discussion_has_nothing_to_choose() -> None:
    spec = BallotSpec.define(VoteType.DISCUSSION)
    assert (spec.options, spec.questions, spec.max_choices, spec.option_keys()) == ((), (), 1, ())
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.DISCUSSION, [option("yes", "찬성")])


def test_research_needs_questions_with_two_options_each() -> None:
    q = BallotQuestion(
        id="q1",
        label="길고양이를 위한 조치에 관심이 있나요?",
        options=(option("a", "관심이 있다"), option("b", "관심 없다")),
    )
    spec = BallotSpec.define(
        VoteType.RESEARCH, questions=[q, BallotQuestion(id="q2", label="민관 협조?", options=q.options)]
    )
    assert spec.option_keys() == ("q1:a", "q1:b", "q2:a", "q2:b")
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.RESEARCH)
    # The contract's model refuses a one-option question; one built past it is refused here too.
    one = BallotQuestion.model_construct(id="q1", label="?", options=(option("a", "x"),))
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.RESEARCH, questions=[one])
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.RESEARCH, [option("a", "x"), option("b", "y")], [q])
    with pytest.raises(DeliberationInvalid):
        BallotSpec.define(VoteType.MULTI, [option("a", "x"), option("b", "y")], [q])


def test_consultations_run_at_least_thirty_days_unless_overridden() -> None:
    p = period_for(C, NOW)
    assert (p.opens_at, p.closes_at) == (NOW, NOW + 30 * DAY)
    assert period_for(C, NOW, days=45).length == 45 * DAY
    with pytest.raises(DeliberationInvalid) as short:
        period_for(C, NOW, days=29)
    assert short.value.code == "period_too_short"
    with pytest.raises(DeliberationInvalid):
        period_for(C, NOW, closes_at=NOW + 30 * DAY - timedelta(seconds=1))
    assert period_for(C, NOW, days=7, allow_short=True).length == 7 * DAY
    assert period_for(D, NOW, days=7).length == 7 * DAY  # debates have no minimum


def test_period_bounds() -> None:
    later = NOW + 2 * DAY
    assert period_for(D, NOW, opens_at=later, days=10) == Period(later, later + 10 * DAY)
    assert period_for(C, NOW, opens_at=NOW - timedelta(minutes=1)).opens_at == NOW - timedelta(minutes=1)
    for kwargs in (
        {"opens_at": NOW - DAY},  # back-dated
        {"closes_at": NOW},  # ends as it starts
        {"closes_at": NOW + 40 * DAY, "days": 40},  # both
        {"days": 400},
    ):
        with pytest.raises(DeliberationInvalid) as exc:
            period_for(D, NOW, **kwargs)
        assert exc.value.code == "invalid_period"


def gocheok(result: Result | None = None) -> Deliberation:
    return Deliberation(
        id="cs_1",
        kind=C,
        agency="seoul",
        title="고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
        body="…",
        category="environment",
        department_id="dept-environment",
        ballot=BallotSpec.define(VoteType.CHOICE),
        period=Period(NOW, NOW + 30 * DAY),
        created_at=NOW,
        created_by="officer",
        creator_role=ActorRole.OFFICER,
        result=result,
    )


GOCHEOK_RESULT = Result(
    total=369, counts={"yes": 115, "no": 251, "other": 3}, closed_at=NOW + 30 * DAY, published_at=NOW + 30 * DAY
)


def test_status_follows_the_clock_and_the_published_result() -> None:
    d = gocheok()
    d.period = Period(NOW + DAY, NOW + 31 * DAY)
    assert d.status(NOW) == Status.SCHEDULED
    assert d.status(NOW + DAY) == Status.OPEN
    assert d.status(NOW + 31 * DAY) == Status.COUNTING  # ended, result not in yet
    d.result = GOCHEOK_RESULT
    assert d.status(NOW + 31 * DAY) == Status.CLOSED
    assert gocheok().answer_due_days == 60
    d.kind = D
    assert d.answer_due_days == 30


def test_the_seed_result_reads_115_251_3_of_369() -> None:
    rows = result_rows(gocheok().ballot, GOCHEOK_RESULT)
    assert rows["total"] == 369
    assert [(r["id"], r["count"], r["percent"]) for r in rows["options"]] == [
        ("yes", 115, 31.2),
        ("no", 251, 68.0),
        ("other", 3, 0.8),
    ]
    assert result_summary(gocheok().ballot, GOCHEOK_RESULT) == (
        "참여 369명: 찬성 115명(31.2%), 반대 251명(68.0%), 기타 3명(0.8%)"
    )


def test_results_of_research_are_per_question_and_zero_filled() -> None:
    q = BallotQuestion(id="q1", label="관심?", options=(option("a", "있다"), option("b", "없다")))
    spec = BallotSpec.define(VoteType.RESEARCH, questions=[q])
    rows = result_rows(spec, Result(4, {"q1:a": 3}, NOW, NOW))
    assert rows["options"] == []
    assert [(o["id"], o["count"], o["percent"]) for o in rows["questions"][0]["options"]] == [
        ("a", 3, 75.0),
        ("b", 0, 0.0),
    ]
    assert result_summary(spec, Result(4, {}, NOW, NOW)) == "참여 4명"
    assert percent(1, 0) == 0.0


def test_a_case_never_moves_back() -> None:
    cases: dict[str, dict[str, object]] = {}
    assert track_case(cases, "c1", "published", decision="accept")
    assert not track_case(cases, "c1", "open", department_id="d1")
    assert cases["c1"] == {"decision": "accept", "status": "published"}
