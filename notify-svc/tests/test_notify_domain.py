"""notify-svc's pure parts: message wording, who a broadcast reaches, channel settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.events.common import Metric, RuleAction
from notify_svc.domain import messages
from notify_svc.domain.audience import Broadcast, Follower, notifications_for, reaches
from notify_svc.domain.messages import Message
from notify_svc.settings import NotifySettings

T0 = datetime(2019, 9, 26, 6, 0, tzinfo=UTC)


def test_department_answer_milestone_wording() -> None:
    m = messages.milestone_reached(
        title="장애인 이동권 캠페인", metric=Metric.SUPPORTS, threshold=50, value=53,
        action=RuleAction.DEPARTMENT_ANSWER, due_days=20,
    )  # fmt: skip
    assert m.title == "제안이 공감 50개를 넘어 부서 검토에 들어갑니다"
    assert m.body == "‘장애인 이동권 캠페인’ 제안에 공감이 53개 모였습니다. 담당 부서가 20일 안에 답변합니다."


def test_participants_milestone_uses_the_right_particle_and_thousands() -> None:
    m = messages.milestone_reached(
        title=None, metric=Metric.DEBATE_PARTICIPANTS, threshold=5000, value=5012,
        action=RuleAction.HEAD_ANSWER, due_days=None,
    )  # fmt: skip
    assert m.title == "제안이 토론 참여 5,000명을 넘어 시장이 직접 답변합니다"
    assert m.body == "제안에 토론에 5,012명이 참여했습니다. 시장이 직접 답변합니다."


@pytest.mark.parametrize("action", list(RuleAction))
def test_every_rule_action_has_wording(action: RuleAction) -> None:
    m = messages.milestone_reached(
        title="t", metric=Metric.SUPPORTS, threshold=10, value=10, action=action, due_days=None
    )
    assert m.title.startswith("제안이 공감 10개를 넘어 ")
    assert m.body


def test_case_opened_shows_the_deadline_in_seoul_time() -> None:
    # 20:00 UTC on Nov 3 is already Nov 4 in Seoul.
    m = messages.case_opened(
        title="버스 정류장 개선", department_name="도시교통실", due_at=datetime(2019, 11, 3, 20, 0, tzinfo=UTC)
    )
    assert m.title == "도시교통실에서 제안을 검토합니다"
    assert m.body == "‘버스 정류장 개선’ 제안을 도시교통실에서 검토합니다. 답변 기한은 2019년 11월 4일입니다."


def test_answer_published_names_the_decision_and_reason() -> None:
    m = messages.answer_published(
        title="난임주사", department_name="시민건강국", decision="partial", reason="예산 범위 내", answer="가" * 500
    )
    assert m.title == "부서 답변이 공개되었습니다 (부분수용)"
    assert m.body.startswith("시민건강국에서 ‘난임주사’ 제안에 ‘부분수용’ 답변을 했습니다. 사유: 예산 범위 내\n\n")
    assert m.body.endswith("…")
    assert len(m.body.split("\n\n")[1]) == messages.EXCERPT_CHARS


def test_a_broadcast_reaches_followers_from_before_its_moment_only() -> None:
    assert reaches(T0, T0)
    assert reaches(T0 - timedelta(seconds=1), T0)
    assert not reaches(T0 + timedelta(seconds=1), T0)
    b = Broadcast("milestone:p1:r1", "ev_1", "p1", "seoul", "proposal.milestone_reached", T0, Message("t", "b"))
    followers = [
        Follower("author", T0 - timedelta(days=3)),
        Follower("fiftieth", T0),
        Follower("latecomer", T0 + timedelta(minutes=1)),
    ]
    notes = notifications_for(b, followers)
    assert [n.account_id for n in notes] == ["author", "fiftieth"]
    assert {(n.broadcast_id, n.event_id, n.title, n.at) for n in notes} == {("milestone:p1:r1", "ev_1", "t", T0)}


def test_reaching_is_decided_at_the_precision_mongodb_stores() -> None:
    # The vote that reached a milestone: its cast_at still has microseconds, reached_at (the
    # tally's as_of read back from MongoDB) no longer has them. Both paths must say yes.
    cast_at = T0.replace(microsecond=123456)
    reached_at = T0.replace(microsecond=123000)
    assert reaches(cast_at, reached_at)
    assert reaches(reached_at, reached_at)
    assert not reaches(T0.replace(microsecond=124000), reached_at)


def test_the_inbox_channel_is_always_on() -> None:
    assert NotifySettings(NOTIFY_CHANNELS="").channel_names() == ["inapp"]
    assert NotifySettings(NOTIFY_CHANNELS="sms, email,sms").channel_names() == ["inapp", "sms", "email"]
