"""The public projection, signatures and backoff: pure, no I/O."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts import Envelope
from gongnon_contracts.events import (
    CommitteeAgendaOpened,
    CommitteeVerdictGiven,
    DeliberationOpened,
    DeliberationResultPublished,
    ExecutionCompleted,
    ExecutionProgressed,
    ItemClosed,
    MilestoneReached,
    ProposalModerated,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    TallyUpdated,
    VoteCast,
    VotesCast,
)
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.events.deliberations import BallotOption
from gongnon_contracts.public_events import PUBLIC_TYPES, PublicEvent
from gongnon_contracts.webhooks import SubscriptionIn
from notify_svc.domain.public_events import ItemState, project, public_id, relevant
from notify_svc.webhooks import signing
from notify_svc.webhooks.backoff import RetryPolicy
from notify_svc.webhooks.sender import TargetRefused, check_url

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# What must never leave the platform: a citizen's identity key, phone, accounts, an operator's account.
CITIZEN_KEY = "ci_9f8e7d6c5b4a39281706"
PHONE = "010-2345-6789"
AUTHOR_ACCOUNT = "acc_author_7731"
VOTER_ACCOUNT = "acc_voter_5512"
OFFICER_ACCOUNT = "acc_officer_4410"
OPERATOR_ACCOUNT = "acc_operator_3301"
SECRETS = (CITIZEN_KEY, PHONE, AUTHOR_ACCOUNT, VOTER_ACCOUNT, OFFICER_ACCOUNT, OPERATOR_ACCOUNT)


def wrap(data: object, minutes: int = 0, agency: str = "seoul") -> Envelope:
    return Envelope.wrap(data, source="test", agency=agency, time=T0 + timedelta(minutes=minutes))  # type: ignore[arg-type]


def submitted(item: str = "pr_1", listed: bool = True) -> Envelope:
    return wrap(
        ProposalSubmitted(
            item_id=item,
            title="지하철역 엘리베이터 고장 정보를 알려주세요",
            category="welfare",
            district="mapo",
            author_account=AUTHOR_ACCOUNT,
            author_role=ActorRole.CITIZEN,
            rule_set_id="democracy-seoul-2019",
            listed=listed,
            author_name="제안자",
        )
    )


def tally(item: str, total: int, seq: int, minutes: int = 1) -> Envelope:
    return wrap(
        TallyUpdated(item_id=item, kind="support", total=total, as_of=T0 + timedelta(minutes=minutes), seq=seq), minutes
    )


def milestone(item: str = "pr_1", action: RuleAction = RuleAction.DEPARTMENT_ANSWER) -> Envelope:
    return wrap(
        MilestoneReached(
            item_id=item,
            rule_id="r50",
            rule_set_id="democracy-seoul-2019",
            metric=Metric.SUPPORTS,
            threshold=50,
            value=50,
            action=action,
            due_days=20,
            category="welfare",
            title="지하철역 엘리베이터 고장 정보를 알려주세요",
            reached_at=T0 + timedelta(minutes=2),
        ),
        2,
    )


def case_opened(item: str = "pr_1") -> Envelope:
    return wrap(
        ReviewCaseOpened(
            case_id="case_1",
            item_id=item,
            department_id="dept-welfare",
            department_name="복지정책과",
            due_at=T0 + timedelta(days=20),
            reason="공감 50개 달성",
        ),
        3,
    )


def answer_submitted(item: str = "pr_1") -> Envelope:
    return wrap(
        ReviewAnswerSubmitted(
            case_id="case_1",
            item_id=item,
            department_id="dept-welfare",
            decision="reject",
            officer_account=OFFICER_ACCOUNT,
        ),
        4,
    )


def answer_published(item: str = "pr_1") -> Envelope:
    return wrap(
        ReviewAnswerPublished(
            case_id="case_1",
            item_id=item,
            department_id="dept-welfare",
            department_name="복지정책과",
            decision="reject",
            reason="이미 교통공사 앱에서 제공합니다",
            answer="검토 결과 어렵습니다.",
            approved_by=OPERATOR_ACCOUNT,
            published_at=T0 + timedelta(minutes=5),
        ),
        5,
    )


def moderated(action: str, item: str = "pr_1") -> Envelope:
    return wrap(
        ProposalModerated(item_id=item, action=action, reason=f"연락처 {PHONE} 노출", actor_account=OPERATOR_ACCOUNT), 6
    )


def votes(item: str = "pr_1") -> Envelope:
    vote = VoteCast(
        vote_id="v1",
        item_id=item,
        kind="support",
        citizen_key=CITIZEN_KEY,
        account_id=VOTER_ACCOUNT,
        cast_at=T0,
    )
    return wrap(VotesCast(item_id=item, votes=[vote]))


def debate_opened() -> Envelope:
    return wrap(
        DeliberationOpened(
            item_id="db_1",
            kind="debate",
            title="따릉이 요금, 올려야 할까요?",
            category="transport",
            department_id="dept-transport",
            source_item_id="pr_1",
            vote_type="choice",
            options=[BallotOption(id="yes", label="찬성"), BallotOption(id="no", label="반대")],
            max_choices=1,
            opens_at=T0,
            closes_at=T0 + timedelta(days=30),
        )
    )


def debate_result() -> Envelope:
    return wrap(
        DeliberationResultPublished(
            item_id="db_1",
            kind="debate",
            title="따릉이 요금, 올려야 할까요?",
            category="transport",
            department_id="dept-transport",
            source_item_id="pr_1",
            vote_type="choice",
            total=3,
            counts={"yes": 2, "no": 1},
            closed_at=T0 + timedelta(days=30),
            published_at=T0 + timedelta(days=30),
            answer_due_days=30,
        ),
        60,
    )


def civic_loop() -> list[Envelope]:
    return [
        submitted(),
        votes(),
        tally("pr_1", 10, 1),
        tally("pr_1", 50, 2),
        milestone(),
        case_opened(),
        answer_submitted(),
        answer_published(),
        debate_opened(),
        debate_result(),
    ]


def test_each_public_type_has_a_versioned_schema_and_the_envelope_validates() -> None:
    states: dict[str, ItemState] = {}
    drafts = project(relevant(civic_loop() + committee_steps()), states) + project([moderated("hide")], states)
    made = {d.type for d in drafts}
    assert made == set(PUBLIC_TYPES), set(PUBLIC_TYPES) - made
    for n, d in enumerate(drafts, 1):
        event = PublicEvent(
            id=d.id,
            type=d.type,
            version=d.data.VERSION,
            seq=n,
            time=d.time,
            recorded_at=T0,
            agency=d.agency,
            item_id=d.item_id,
            data=d.data.model_dump(mode="json"),
        )
        assert event.typed() == d.data


def test_no_citizen_key_phone_or_account_reaches_any_public_event() -> None:
    states: dict[str, ItemState] = {}
    batch = [*relevant(civic_loop()), moderated("hide"), moderated("restore")]
    drafts = project(batch, states)
    text = json.dumps([d.data.model_dump(mode="json") for d in drafts], ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text
    # The votes topic is not projected at all; the author's published display name is.
    assert relevant([votes()]) == []
    assert "제안자" in text


def test_the_civic_loop_in_order_with_stages() -> None:
    states: dict[str, ItemState] = {}
    drafts = project(relevant(civic_loop()), states)
    proposal = [d for d in drafts if d.item_id == "pr_1"]
    assert [d.type for d in proposal] == [
        "item.submitted",
        "item.supports_counted",
        "item.support_milestone",
        "review.case_opened",
        "item.stage_changed",
        "review.answer_published",
        "item.stage_changed",
    ]
    stages = [d.data.model_dump()["stage"] for d in proposal if d.type == "item.stage_changed"]
    assert stages == ["review", "answered"]
    assert [d.type for d in drafts if d.item_id == "db_1"] == ["debate.opened", "debate.closed"]
    closed = next(d for d in drafts if d.type == "debate.closed").data.model_dump()
    assert closed["counts"] == {"yes": 2, "no": 1}


def test_support_counts_are_coalesced_per_item_per_batch_and_never_go_back() -> None:
    states: dict[str, ItemState] = {}
    batch = [submitted("pr_1"), submitted("pr_2"), tally("pr_1", 3, 1), tally("pr_2", 1, 1), tally("pr_1", 7, 2)]
    counted = [d for d in project(batch, states) if d.type == "item.supports_counted"]
    assert sorted((d.item_id, d.data.model_dump()["total"]) for d in counted) == [("pr_1", 7), ("pr_2", 1)]
    # A late, older snapshot in the next batch publishes nothing; a newer one does.
    assert project([tally("pr_1", 5, 1)], states) == []
    later = project([tally("pr_1", 9, 3), tally("pr_1", 8, 2)], states)
    assert [d.data.model_dump()["total"] for d in later] == [9]


def test_ids_are_derived_from_the_internal_event_and_stable() -> None:
    env = submitted()
    first = project([env], {})
    again = project([env], {})
    assert [d.id for d in first] == [d.id for d in again] == [public_id(env.id, "item.submitted")]
    assert public_id(env.id, "item.submitted") != public_id(env.id, "item.stage_changed")
    # A redelivered case opening changes no stage a second time.
    states: dict[str, ItemState] = {}
    project([submitted(), case_opened()], states)
    assert [d.type for d in project([case_opened()], states)] == ["review.case_opened"]


def test_listing_and_closing_move_the_stage() -> None:
    states: dict[str, ItemState] = {}
    first = project([submitted(listed=False)], states)
    assert first[0].data.model_dump()["stage"] == "proposed"
    listed = project([milestone(action=RuleAction.MAKE_PUBLIC)], states)
    assert [(d.type, d.data.model_dump().get("stage")) for d in listed][-1] == ("item.stage_changed", "supporting")
    closed = project([wrap(ItemClosed(item_id="pr_1", reason="support_window_ended", closed_at=T0))], states)
    assert [d.data.model_dump()["stage"] for d in closed] == ["closed"]


def test_a_hidden_item_is_silent_until_restored() -> None:
    states: dict[str, ItemState] = {}
    project([submitted()], states)
    hidden = project([moderated("hide")], states)
    assert [(d.type, d.data.model_dump()) for d in hidden] == [("item.moderated", {"action": "hide", "visible": False})]
    assert project([tally("pr_1", 60, 5), case_opened()], states) == []
    restored = project([moderated("restore")], states)
    assert [d.type for d in restored] == ["item.moderated", "item.stage_changed"]
    assert project([tally("pr_1", 61, 6)], states)[0].data.model_dump()["total"] == 61


def test_item_state_round_trips_through_its_document() -> None:
    states: dict[str, ItemState] = {}
    project([submitted(), case_opened(), moderated("make_private")], states)
    s = states["pr_1"]
    assert ItemState.from_doc(s.to_doc()) == s


# --- signatures (Standard Webhooks) ----------------------------------------------------------


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_receiver_verifies_and_rejects_tampering() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    body = b'{"id":"pe_1","seq":1}'
    headers = signing.headers(secret, "pe_1", 1_700_000_000, body)
    assert signing.verify(secret, headers, body, now=1_700_000_100) == "pe_1"
    with pytest.raises(signing.BadSignature):
        signing.verify(secret, headers, body + b" ", now=1_700_000_100)
    with pytest.raises(signing.BadSignature):
        signing.verify(signing.new_secret(), headers, body)
    with pytest.raises(signing.BadSignature):
        signing.verify(secret, headers, body, now=1_700_009_999)  # too old


# --- retries ---------------------------------------------------------------------------------


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_s=1.0, cap_s=10.0)
    assert [policy.ceiling(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    rng = random.Random(7)
    waits = [policy.delay(4, rng) for _ in range(2000)]
    assert all(0.0 <= w <= 8.0 for w in waits)
    assert min(waits) < 0.5
    assert max(waits) > 7.5
    assert not policy.gives_up(4)
    assert policy.gives_up(5)


# --- subscriptions ---------------------------------------------------------------------------


def test_subscription_types_must_be_public_types() -> None:
    assert SubscriptionIn(url="https://agency.example/hook", types=["item.submitted"]).types == ["item.submitted"]
    with pytest.raises(ValueError, match="unknown"):
        SubscriptionIn(url="https://agency.example/hook", types=["vote.cast"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8101/proposals",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "ftp://agency.example/hook",
        "https://user:pw@agency.example/hook",
    ],
)
def test_private_and_odd_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url, allow_private=False)


def test_public_targets_and_allowed_private_ones_pass() -> None:
    assert check_url("https://hooks.agency.example/gongnon", allow_private=False)
    assert check_url("http://127.0.0.1:9000/hook", allow_private=True)


WELFARE = "복지정책실"
WELFARE_NAME = {"department_name": WELFARE}


def committee_steps() -> list[Envelope]:
    """pr_1 through the committee to completion (the parts the public stream carries)."""
    steps = [
        CommitteeAgendaOpened(
            agenda_id="ag1",
            item_id="pr_1",
            item_title="t",
            case_id="c1",
            department_id="dept-welfare",
            department_name=WELFARE,
            flagged_by=OPERATOR_ACCOUNT,
            opened_at=T0,
        ),
        CommitteeVerdictGiven(
            agenda_id="ag1",
            item_id="pr_1",
            verdict="discard",
            reason="법령상 불가",
            department_id="dept-welfare",
            department_name=WELFARE,
            budget_krw=0,
            budget_track="non_budget",
            decided_by=OFFICER_ACCOUNT,
            decided_at=T0,
        ),
        ExecutionProgressed(item_id="pr_1", milestone_id="m1", title="착수", progress_pct=30, at=T0),
        ExecutionCompleted(
            item_id="pr_1", department_id="dept-welfare", department_name=WELFARE, report_id="r1", completed_at=T0
        ),
    ]
    return [wrap(step, 100 + i) for i, step in enumerate(steps)]


def test_committee_and_execution_steps_reach_the_public_stream_without_accounts() -> None:
    states: dict[str, ItemState] = {}
    drafts = project([submitted(), *committee_steps()], states)
    civic = [(d.type, d.data.model_dump(exclude_none=True)) for d in drafts if d.type.startswith(("committee", "exec"))]
    assert civic == [
        ("committee.step", {"step": "agenda_opened", "department_name": WELFARE}),
        (
            "committee.step",
            {"step": "verdict", "verdict": "discard", "reason": "법령상 불가", "department_name": WELFARE},
        ),
        ("execution.progress", {"status": "in_progress", "step": "milestone", "progress_pct": 30, "title": "착수"}),
        (
            "execution.progress",
            {"status": "completed", "step": "completed", "progress_pct": 100, "department_name": WELFARE},
        ),
    ]
    assert not any(secret in json.dumps([d.data.model_dump(mode="json") for d in drafts]) for secret in SECRETS)
    # While the item is hidden, its committee and execution steps are not published.
    states["pr_1"].hidden = True
    assert project(committee_steps(), states) == []
