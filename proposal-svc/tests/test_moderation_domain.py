"""Unit tests of the rules around a proposal after it is submitted: editing, withdrawing,
moderation, reports, the automatic suspicion check, title search and the list windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.refusals import Refusal as Refused
from proposal_svc.domain import authoring, moderation, suspicion
from proposal_svc.domain.comment import Comment, thread_of
from proposal_svc.domain.listing import BadCursor, Cursor, cursor_fields, cursor_from_fields, grow, window_target
from proposal_svc.domain.presets import preset
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.search import parse_query, title_tokens

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def make(**over: object) -> Proposal:
    rs = preset("democracy-seoul-2019")
    p = Proposal(
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
        listed=True,
    )
    for k, v in over.items():
        setattr(p, k, v)
    return p


def refused(fn: object, *args: object) -> Refused:
    with pytest.raises(Refused) as info:
        fn(*args)  # type: ignore[operator]
    return info.value


# --- editing and withdrawing ---


def test_only_the_author_edits_and_only_before_the_first_support() -> None:
    p = make()
    authoring.check_editable(p, "acc-1")
    r = refused(authoring.check_editable, p, "acc-2")
    assert (r.kind, r.code) == ("forbidden", "not_author")
    p.support_count = 1
    r = refused(authoring.check_editable, p, "acc-1")
    assert (r.kind, r.code) == ("conflict", "edit_locked")


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"withdrawn_at": T0}, "withdrawn"),
        ({"moderation": moderation.HIDDEN}, "moderated"),
        ({"closed_at": T0}, "closed"),
    ],
)
def test_no_edits_once_withdrawn_moderated_or_closed(over: dict[str, object], code: str) -> None:
    assert refused(authoring.check_editable, make(**over), "acc-1").code == code


def test_an_edit_reports_what_changed_and_clears_the_district() -> None:
    p = make()
    changed = authoring.apply_edit(
        p,
        authoring.Edit(title="따릉이 대여소를 더 늘려주세요", hashtags=["#따릉이", "자전거"], clear_district=True),
        T0,
    )
    assert changed == ["title", "district", "hashtags"]
    assert (p.district, p.hashtags, p.edited_at) == (None, ["따릉이", "자전거"], T0)
    assert authoring.apply_edit(p, authoring.Edit(title=p.title), T0 + timedelta(1)) == []
    assert p.edited_at == T0
    assert "더늘" not in authoring.edited_fields(p)["title_tokens"]  # type: ignore[operator]
    assert "늘려" in authoring.edited_fields(p)["title_tokens"]  # type: ignore[operator]


def test_withdrawal_closes_an_open_item_once_and_keeps_it() -> None:
    p = make()
    assert authoring.withdraw(p, "acc-1", T0) is True
    assert (p.withdrawn_at, p.closed_at, p.status, p.browsable, p.public) == (T0, T0, "withdrawn", False, True)
    assert refused(authoring.withdraw, p, "acc-1", T0).code == "already_withdrawn"
    closed = make(closed_at=T0)
    assert authoring.withdraw(closed, "acc-1", T0 + timedelta(days=1)) is False
    assert closed.closed_at == T0
    assert refused(authoring.withdraw, make(), "acc-2", T0).code == "not_author"


# --- status tabs ---


def test_status_follows_moderation_visibility_and_the_vote() -> None:
    assert make().status == "public"
    assert make(visibility="private").status == "private"
    assert make(moderation=moderation.HIDDEN, visibility="private").status == "hidden"
    assert make(moderation=moderation.TRASHED, withdrawn_at=T0).status == "trash"
    assert make(closed_at=T0).status == "vote_failed"
    reached = make(closed_at=T0, milestones=[{"action": "department_answer"}])
    assert reached.status == "public"
    only_listed = make(closed_at=T0, milestones=[{"action": "make_public"}])
    assert only_listed.status == "vote_failed"
    for over in ({"visibility": "private"}, {"moderation": moderation.HIDDEN}, {"withdrawn_at": T0}):
        assert not make(**over).browsable


# --- moderation ---


def test_a_reason_is_mandatory() -> None:
    for empty in (None, "", "   \n"):
        r = refused(moderation.require_reason, empty)
        assert (r.kind, r.code) == ("invalid", "reason_required")
    assert moderation.require_reason("  욕설이 포함되어 있습니다 ") == "욕설이 포함되어 있습니다"
    assert refused(moderation.require_reason, "가" * (moderation.REASON_MAX + 1)).code == "reason_too_long"


@pytest.mark.parametrize(
    ("state", "action", "queued", "after"),
    [
        (moderation.VISIBLE, moderation.HIDE, False, moderation.HIDDEN),
        (moderation.VISIBLE, moderation.TRASH, False, moderation.TRASHED),
        (moderation.HIDDEN, moderation.TRASH, False, moderation.TRASHED),
        (moderation.HIDDEN, moderation.RESTORE, False, moderation.VISIBLE),
        (moderation.TRASHED, moderation.RESTORE, True, moderation.VISIBLE),
        # Reviewed and found fine: the reports are closed, the target stays visible.
        (moderation.VISIBLE, moderation.RESTORE, True, moderation.VISIBLE),
    ],
)
def test_moderation_moves(state: str, action: str, queued: bool, after: str) -> None:
    assert moderation.transition(state, action, queued) == after


@pytest.mark.parametrize(
    ("state", "action", "queued"),
    [
        (moderation.HIDDEN, moderation.HIDE, True),
        (moderation.TRASHED, moderation.HIDE, False),
        (moderation.TRASHED, moderation.TRASH, False),
        (moderation.VISIBLE, moderation.RESTORE, False),
    ],
)
def test_moderation_refuses_moves_that_make_no_sense(state: str, action: str, queued: bool) -> None:
    r = refused(moderation.transition, state, action, queued)
    assert (r.kind, r.code) == ("conflict", "invalid_transition")
    assert refused(moderation.transition, state, "delete", queued).code == "unknown_action"


def test_reports_reach_the_queue_at_the_threshold_or_on_suspicion() -> None:
    assert moderation.FLAG_THRESHOLD == 3
    assert [moderation.needs_review(n, []) for n in range(5)] == [False, False, False, True, True]
    assert moderation.needs_review(0, [suspicion.ABUSIVE])
    assert moderation.check_flag_reason("abuse") == "abuse"
    assert refused(moderation.check_flag_reason, "dislike").code == "unknown_flag_reason"


def test_who_moderates_which_space() -> None:
    assert moderation.may_moderate(ActorRole.OPERATOR, "seoul", "seoul")
    assert moderation.may_moderate(ActorRole.AGENCY_ADMIN, "busan", "busan")
    assert not moderation.may_moderate(ActorRole.OPERATOR, "busan", "seoul")
    assert moderation.may_moderate(ActorRole.SUPER_ADMIN, "seoul", "busan")
    for role in (ActorRole.CITIZEN, ActorRole.OFFICER, ActorRole.HEAD, ActorRole.COMMITTEE):
        assert not moderation.may_moderate(role, "seoul", "seoul")


def test_timeline_wording_shows_the_reason() -> None:
    text = moderation.timeline_summary(moderation.COMMENT, moderation.HIDE, "욕설")
    assert text == "운영자가 댓글을 숨김 처리했습니다. 사유: 욕설"
    assert moderation.timeline_summary(moderation.PROPOSAL, moderation.TRASH, "광고").startswith(
        "운영자가 이 제안을 휴지통"
    )


def test_a_reply_to_a_reply_joins_the_thread() -> None:
    top = Comment("cm_1", "pr_1", "seoul", "a", "가", ActorRole.CITIZEN, "좋아요", T0)
    reply = Comment("cm_2", "pr_1", "seoul", "b", "나", ActorRole.CITIZEN, "저도요", T0, parent_id="cm_1")
    assert (top.depth, reply.depth) == (0, 1)
    assert thread_of(top) == thread_of(reply) == "cm_1"


# --- the automatic check ---


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("따릉이 대여소를 늘려주세요. 출퇴근 시간에 자전거가 부족합니다.", []),
        ("이 제안한 놈은 병 신 이냐", [suspicion.ABUSIVE]),
        ("씨1발 진짜 너무하네", [suspicion.ABUSIVE]),
        ("ㅅㅂ 이게 뭐냐", [suspicion.ABUSIVE]),
        # Everyday words that contain a swear word are not flagged.
        ("이 역이 시발점입니다. 새끼손가락만 한 정류장에 영향을 미친 결정", []),
        ("자세한 건 http://a.example.com http://b.example.com www.c.kr 참고", [suspicion.LINK_SPAM]),
        ("고수익 보장 대출 상담 https://loan.example.xyz", [suspicion.AD_SPAM]),
        ("ㅋ" * 20, [suspicion.FLOODING]),
        ("반대 " * 12, [suspicion.FLOODING]),
    ],
)
def test_the_suspicion_check(text: str, codes: list[str]) -> None:
    assert suspicion.check(text) == codes


# --- title search ---


def test_titles_are_indexed_by_bigrams_and_queries_match_through_particles() -> None:
    tokens = title_tokens("따릉이 대여소를 늘려주세요!")
    assert tokens[:4] == ["따릉", "릉이", "대여", "여소"]
    q = parse_query("대여소 따릉이")
    assert q is not None
    assert set(q.tokens) <= set(tokens)
    assert q.primary in tokens
    assert q.matches("따릉이 대여소를 늘려주세요")
    assert not q.matches("따릉이 반납소를 늘려주세요")
    assert parse_query("?!  ") is None
    # The index key avoids bigrams most titles share.
    common = parse_query("해주세요 자전거")
    assert common is not None
    assert common.primary == "자전"
    one = parse_query("물")
    assert one is not None
    assert one.primary == "물"
    assert title_tokens("물 부족") == ["물", "부족"]
    assert parse_query("ＫＴＸ") is not None
    assert title_tokens("KTX 역") == ["kt", "tx", "역"]


# --- list windows and cursors ---


def test_windows_grow_when_empty_and_shrink_when_overfull() -> None:
    assert grow(100.0, 0, 50) == 800.0
    assert grow(100.0, 25, 50) == 200.0
    assert grow(100.0, 10_000, 50) == 25.0
    assert window_target(10, 0, 0) == 25  # never below the minimum
    assert window_target(21, 100, 9) > window_target(21, 100, 99)  # few matches: fetch more


def test_cursors_round_trip_and_refuse_other_orders() -> None:
    c = Cursor("popular", T0, "pr_9", 51)
    assert cursor_from_fields(cursor_fields(c), "popular") == c
    latest = Cursor("latest", T0, "pr_9")
    assert cursor_from_fields(cursor_fields(latest), "latest") == latest
    for bad, sort in ((cursor_fields(c), "latest"), ("%%%", "latest"), ({"x": 1}, "latest")):
        with pytest.raises(BadCursor):
            cursor_from_fields(bad, sort)
