"""Unit tests of the proposal model and its timeline wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gongnon_contracts.events.common import ActorRole, Metric
from proposal_svc.domain import timeline
from proposal_svc.domain.presets import preset
from proposal_svc.domain.proposal import CaseStatus, Proposal, days_left, normalize_hashtags
from proposal_svc.domain.rules import Reading, evaluate

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def make(preset_id: str = "democracy-seoul-2019") -> Proposal:
    rs = preset(preset_id)
    return Proposal(
        id="pr_1",
        agency="seoul",
        title="따릉이 대여소를 늘려주세요",
        body="출퇴근 시간에 자전거가 부족합니다.",
        category="transport",
        district="mapo",
        hashtags=["따릉이"],
        author_account="acc-1",
        author_name="시민",
        author_role=ActorRole.CITIZEN,
        created_at=T0,
        rule_set=rs,
        listed=rs.listed_on_submit,
    )


def test_stage_follows_listing_cases_and_closing() -> None:
    p = make("cheongwadae-petition")
    assert p.stage == "proposed"
    assert not p.browsable
    [f] = evaluate(p.rule_set, p.state, {Metric.SUPPORTS: Reading(100, T0)}, T0)
    p.apply(f)
    assert (p.stage, p.browsable, p.fired) == ("supporting", True, ["pre-agreement-100"])
    assert p.track_case("c1", CaseStatus.OPEN, department_name="교통정책과")
    assert p.stage == "review"
    assert p.track_case("c1", CaseStatus.PUBLISHED, decision="accept")
    assert p.stage == "answered"
    assert not p.track_case("c1", CaseStatus.OPEN)  # a late 'opened' does not reopen it
    assert p.cases["c1"] == {"department_name": "교통정책과", "decision": "accept", "status": "published"}
    p2 = make("cheongwadae-petition")
    p2.closed_at = T0 + timedelta(days=30)
    assert p2.stage == "closed"


def test_hashtags_are_normalized() -> None:
    assert normalize_hashtags(["#환경 ", "환경", " 교통", "#", ""]) == ["환경", "교통"]


def test_days_left() -> None:
    assert days_left(None, T0) is None
    assert days_left(T0 + timedelta(days=30), T0) == 30
    assert days_left(T0 + timedelta(days=1), T0 + timedelta(hours=1)) == 0
    assert days_left(T0, T0 + timedelta(days=3)) == 0


def test_timeline_wording_in_korean() -> None:
    p = make()
    assert timeline.submitted(p).summary == "시민 제안이 등록되었습니다."
    assert timeline.submitted(p).actor_role == ActorRole.CITIZEN
    [f] = evaluate(p.rule_set, p.state, {Metric.SUPPORTS: Reading(50, T0)}, T0)
    entry = timeline.milestone(p, f)
    assert entry.summary == "공감 50개를 달성하여 부서 답변 대상이 되었습니다. 20일 이내에 처리해야 합니다."
    assert entry.actor_role == ActorRole.SYSTEM
    assert entry.id == "pr_1:milestone:supports-50"
    [g] = evaluate(p.rule_set, p.state, {Metric.DEBATE_PARTICIPANTS: Reading(5000, T0)}, T0)
    assert timeline.milestone(p, g).summary.startswith("토론 참여 5,000명을 달성하여 기관장 답변 대상이")
    published = timeline.answer_published("pr_1", "c1", T0, "교통정책과", "partial", "일부 수용합니다", "예산")
    assert published.summary == "교통정책과의 답변이 공개되었습니다: 부분수용."
    assert published.actor_role == ActorRole.OPERATOR
    assert timeline.answer_submitted("pr_1", "c1", T0, "accept").actor_role == ActorRole.OFFICER
    unlisted = make("cheongwadae-petition")
    assert "링크로만" in timeline.submitted(unlisted).summary
