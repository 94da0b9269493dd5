"""An item's public timeline (진행 경과) as the pages show it.

proposal-svc writes each entry's summary in Korean: the Korean page shows it as it is. The
English page cannot translate a sentence with names and numbers in it, so it shows a sentence
of its own for the entry's `kind`, built from the entry's `data` (a `Phrase` keyed by Korean,
translated by the template). An entry of a kind not known here, or without the data its
sentence needs, shows its summary through the catalogue (fixed summaries have English there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongnon_gateway.site.civic_views import TRACK_LABELS, VERDICT_LABELS
from gongnon_gateway.site.deliberation_views import VOTE_TYPES
from gongnon_gateway.site.phrases import Phrase
from gongnon_gateway.site.views import DECISION_LABELS, ROLE_LABELS, fmt_date, fmt_time, parse_time

# The sentences, by what happened (keys of the English catalogue).
TEXTS = {
    "submitted_citizen": "시민 제안이 등록되었습니다.",
    "submitted_staff": "운영자 제안이 등록되었습니다.",
    "submitted_citizen_unlisted": "시민 제안이 등록되었습니다. 사전동의를 모으는 중이며 링크로만 볼 수 있습니다.",
    "submitted_staff_unlisted": "운영자 제안이 등록되었습니다. 사전동의를 모으는 중이며 링크로만 볼 수 있습니다.",
    "milestone_supports": "공감 {n}개를 달성하여 {outcome}.",
    "milestone_supports_due": "공감 {n}개를 달성하여 {outcome}. {days}일 이내에 처리해야 합니다.",
    "milestone_participants": "토론 참여 {n}명을 달성하여 {outcome}.",
    "milestone_participants_due": "토론 참여 {n}명을 달성하여 {outcome}. {days}일 이내에 처리해야 합니다.",
    "expired_supports": "기간 안에 공감 {n}개에 도달하지 못했습니다 (현재 {value}).",
    "expired_participants": "기간 안에 토론 참여 {n}명에 도달하지 못했습니다 (현재 {value}).",
    "closed": "공감 기간이 종료되었습니다 (최종 공감 {n}).",
    "case_opened": "{department}에 부서검토가 배정되었습니다 (답변 기한 {due}).",
    "answer_submitted": "담당 부서가 답변을 제출했습니다. 관리자 승인 후 공개됩니다.",
    "answer_published": "{department}의 답변이 공개되었습니다: {decision}.",
    "vote_passed": "결정 투표가 가결되었습니다: 찬성 {yes}명, 반대 {no}명 (참여 {turnout}명, 의결 정족수 {quorum}명).",
    "vote_failed": "결정 투표가 부결되었습니다: 찬성 {yes}명, 반대 {no}명 (참여 {turnout}명, 의결 정족수 {quorum}명).",
    "vote_opened": "결정 투표가 시작되었습니다 (사업비 {budget}, 의결 정족수 {quorum}명).",
    "vote_opened_until": "결정 투표가 시작되었습니다 (사업비 {budget}, 의결 정족수 {quorum}명, {closes} 마감).",
    "edited": "제안자가 제안을 수정했습니다 ({fields}).",
    "withdrawn": "제안자가 제안을 철회했습니다 (철회 시점 공감 {n}).",
    "proposal_hide": "운영자가 이 제안을 숨김 처리했습니다. 사유: {reason}",
    "proposal_restore": "운영자가 이 제안을 복원했습니다. 사유: {reason}",
    "proposal_trash": "운영자가 이 제안을 휴지통으로 이동했습니다. 사유: {reason}",
    "comment_hide": "운영자가 댓글을 숨김 처리했습니다. 사유: {reason}",
    "comment_restore": "운영자가 댓글을 복원했습니다. 사유: {reason}",
    "comment_trash": "운영자가 댓글을 휴지통으로 이동했습니다. 사유: {reason}",
    "visibility_public": "운영자가 이 제안을 공개로 전환했습니다. 사유: {reason}",
    "visibility_private": "운영자가 이 제안을 비공개로 전환했습니다. 사유: {reason}",
    "debate_opened": "시민토론이 열렸습니다 ({vote_type}, {period}).",
    "consultation_opened": "서울시가 묻습니다가 열렸습니다 ({vote_type}, {period}).",
    "debate_opened_on_proposal": "이 제안으로 시민토론이 열렸습니다 ({closes}까지).",
    "result_published": "투표가 마감되어 결과를 공개합니다. 참여 {total}명.",
    "debate_result": "시민토론이 마감되었습니다. 참여 {total}명.",
    "agenda_opened": "제안실현위원회 안건으로 등록되었습니다 (1차 심의: 당위성·변화성·실행성·파급성).",
    "selected": "제안실현위원회 1차 심의에서 선정되었습니다: 평균 {average}점/20점, 위원 {scorers}명, {rank}위.",
    "not_selected": "제안실현위원회 1차 심의에서 선정되지 않았습니다: "
    "평균 {average}점/20점, 위원 {scorers}명, {rank}위.",
    "plan_submitted": "실행계획서({revision}차)가 작성되었습니다: {direction} ({budget}). "
    "실행부서 {department}이(가) {due}까지 적정성을 검토합니다.",
    "verdict_fit": "실행부서의 적정성 검토 결과: 적정. 결정 투표가 열립니다.",
    "verdict_revise": "실행부서의 적정성 검토 결과: 수정. 실행계획서를 다시 작성합니다.",
    "verdict_discard": "실행부서의 적정성 검토 결과: 폐기. 제안은 종료됩니다.",
    "with_reason": "{said} 사유: {reason}",
    "verdict_overdue": "실행부서의 적정성 검토 기한({due})이 지났습니다.",
    "execution_budgeting": "실행이 결정되었습니다. 실행부서가 예산({track})을 확보하는 중입니다.",
    "execution_started": "실행부서가 실행을 시작했습니다 ({source}).",
    "execution_progressed": "실행 경과: {title} (진행률 {pct}%).",
    "report_final": "실행 결과서가 공개되었습니다: {title}.",
    "report_progress": "실행 경과 보고서가 공개되었습니다: {title}.",
    "execution_completed": "실행이 완료되었습니다.",
    "amount": "{amount}원",
}
# What a milestone made of the item (proposal-svc's rule actions).
OUTCOMES = {
    "make_public": "목록에 공개되었습니다",
    "department_answer": "부서 답변 대상이 되었습니다",
    "debate_candidate": "토론 의제 후보가 되었습니다",
    "head_answer": "기관장 답변 대상이 되었습니다",
    "open_decision_vote": "결정 투표 대상이 되었습니다",
    "close": "종료되었습니다",
}
FIELDS = {"title": "제목", "body": "내용", "category": "정책분류", "district": "자치구", "hashtags": "해시태그"}


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    role: str
    summary: str
    kind: str = ""
    phrase: Phrase | None = None  # the English page's sentence, when the kind is known

    @classmethod
    def of(cls, doc: dict[str, Any]) -> TimelineEntry:
        role = str(doc.get("actor_role") or "system")
        kind = str(doc.get("kind") or "")
        data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
        return cls(
            at=fmt_time(doc.get("at")),
            role=ROLE_LABELS.get(role, role),
            summary=str(doc.get("summary") or ""),
            kind=kind,
            phrase=phrase_of(kind, role, data or {}),
        )


def phrase_of(kind: str, role: str, data: dict[str, Any]) -> Phrase | None:
    """The entry's sentence from its kind and data; None when either is not what is expected."""
    if kind.endswith(".moderated"):
        make: Callable[[dict[str, Any], str], Phrase | None] | None = _moderated
    else:
        make = _MAKERS.get(kind)
    if make is None:
        return None
    try:
        return make(data, role)
    except (KeyError, TypeError, ValueError):
        return None


def _n(value: Any) -> str:
    return f"{int(value):,}"


def _text(key: str, **values: Any) -> Phrase:
    return Phrase(TEXTS[key], values)


def _day(value: Any) -> str:
    at = value if isinstance(value, datetime) else parse_time(value)
    if at is None:
        raise ValueError("no date")
    return fmt_date(at)


def _submitted(data: dict[str, Any], role: str) -> Phrase:
    who = "citizen" if role == "citizen" else "staff"
    listed = data.get("listed", True) is not False
    return _text(f"submitted_{who}" if listed else f"submitted_{who}_unlisted")


def _metric_key(metric: Any) -> str:
    return {"supports": "supports", "debate_participants": "participants"}[str(metric)]


def _milestone(data: dict[str, Any], role: str) -> Phrase:
    outcome = Phrase(OUTCOMES[str(data["action"])])
    key = f"milestone_{_metric_key(data.get('metric', 'supports'))}"
    if data.get("due_days"):
        return _text(f"{key}_due", n=_n(data["threshold"]), outcome=outcome, days=_n(data["due_days"]))
    return _text(key, n=_n(data["threshold"]), outcome=outcome)


def _expired(data: dict[str, Any], role: str) -> Phrase:
    key = f"expired_{_metric_key(data.get('metric', 'supports'))}"
    return _text(key, n=_n(data["threshold"]), value=_n(data["value"]))


def _closed(data: dict[str, Any], role: str) -> Phrase:
    return _text("closed", n=_n(data["support_count"]))


def _case_opened(data: dict[str, Any], role: str) -> Phrase:
    return _text("case_opened", department=str(data["department_name"]), due=_day(data["due_at"]))


def _answer_submitted(data: dict[str, Any], role: str) -> Phrase:
    return _text("answer_submitted")


def _answer_published(data: dict[str, Any], role: str) -> Phrase:
    decision = str(data["decision"])
    return _text(
        "answer_published",
        department=str(data["department_name"]),
        decision=Phrase(DECISION_LABELS.get(decision, decision)),
    )


def _vote_decided(data: dict[str, Any], role: str) -> Phrase:
    return _text(
        "vote_passed" if data["passed"] else "vote_failed",
        yes=_n(data["yes"]),
        no=_n(data["no"]),
        turnout=_n(data["turnout"]),
        quorum=_n(data["quorum"]),
    )


def budget_phrase(krw: Any) -> Phrase:
    """A budget: "1,000,000원", or 비예산 (no budget) when there is none."""
    amount = int(krw or 0)
    return _text("amount", amount=_n(amount)) if amount else Phrase(TRACK_LABELS["non_budget"])


def _vote_opened(data: dict[str, Any], role: str) -> Phrase:
    values = {"budget": budget_phrase(data.get("budget_krw")), "quorum": _n(data["quorum"])}
    if data.get("closes_at"):
        return _text("vote_opened_until", closes=_day(data["closes_at"]), **values)
    return _text("vote_opened", **values)


def _edited(data: dict[str, Any], role: str) -> Phrase:
    fields = tuple(Phrase(FIELDS.get(str(f), str(f))) for f in data["fields"])
    return _text("edited", fields=fields)


def _withdrawn(data: dict[str, Any], role: str) -> Phrase:
    return _text("withdrawn", n=_n(data["support_count"]))


def _moderated(data: dict[str, Any], role: str) -> Phrase:
    target, action = str(data["target_type"]), str(data["action"])
    if target not in ("proposal", "comment") or action not in ("hide", "restore", "trash"):
        raise ValueError(action)
    return _text(f"{target}_{action}", reason=str(data["reason"]))


def _visibility(data: dict[str, Any], role: str) -> Phrase:
    return _text(
        {"public": "visibility_public", "private": "visibility_private"}[str(data["visibility"])],
        reason=str(data["reason"]),
    )


def _deliberation_opened(data: dict[str, Any], role: str) -> Phrase:
    kind = {"debate": "debate_opened", "consultation": "consultation_opened"}[str(data["kind"])]
    vote_type = str(data["vote_type"])
    period = f"{_day(data['opens_at'])} ~ {_day(data['closes_at'])}"
    return _text(kind, vote_type=Phrase(VOTE_TYPES.get(vote_type, vote_type)), period=period)


def _debate_opened(data: dict[str, Any], role: str) -> Phrase:
    return _text("debate_opened_on_proposal", closes=_day(data["closes_at"]))


def _result_published(data: dict[str, Any], role: str) -> Phrase:
    return _text("result_published", total=_n(data["total"]))


def _debate_result(data: dict[str, Any], role: str) -> Phrase:
    return _text("debate_result", total=_n(data["total"]))


def _agenda_opened(data: dict[str, Any], role: str) -> Phrase:
    return _text("agenda_opened")


def _selection(data: dict[str, Any], role: str) -> Phrase:
    return _text(
        "selected" if data["selected"] else "not_selected",
        average=f"{float(data['average_score']):.2f}",
        scorers=_n(data["scorers"]),
        rank=_n(data["rank"]),
    )


def _plan_submitted(data: dict[str, Any], role: str) -> Phrase:
    track = str(data["budget_track"])
    budget: Phrase = Phrase(TRACK_LABELS.get(track, track))
    if data.get("budget_krw"):
        budget = Phrase("{track} {amount}", {"track": budget, "amount": budget_phrase(data["budget_krw"])})
    return _text(
        "plan_submitted",
        revision=_n(data["revision"]),
        direction=str(data["direction"]),
        budget=budget,
        department=str(data["department_name"]),
        due=_day(data["verdict_due_at"]),
    )


def _verdict(data: dict[str, Any], role: str) -> Phrase:
    verdict = str(data["verdict"])
    if verdict not in VERDICT_LABELS:
        raise ValueError(verdict)
    said = _text(f"verdict_{verdict}")
    return _text("with_reason", said=said, reason=str(data["reason"])) if data.get("reason") else said


def _verdict_overdue(data: dict[str, Any], role: str) -> Phrase:
    return _text("verdict_overdue", due=_day(data["verdict_due_at"]))


def _execution_started(data: dict[str, Any], role: str) -> Phrase:
    track = str(data.get("budget_track") or "")
    if data.get("status") == "budgeting":
        return _text("execution_budgeting", track=Phrase(TRACK_LABELS.get(track, track)))
    source = str(data.get("budget_source") or TRACK_LABELS.get(track, track))
    return _text("execution_started", source=Phrase(source))


def _execution_progressed(data: dict[str, Any], role: str) -> Phrase:
    return _text("execution_progressed", title=str(data["title"]), pct=_n(data["progress_pct"]))


def _report(data: dict[str, Any], role: str) -> Phrase:
    return _text("report_final" if data.get("final") else "report_progress", title=str(data["title"]))


def _execution_completed(data: dict[str, Any], role: str) -> Phrase:
    return _text("execution_completed")


_MAKERS: dict[str, Callable[[dict[str, Any], str], Phrase | None]] = {
    "proposal.submitted": _submitted,
    "proposal.milestone_reached": _milestone,
    "proposal.rule_expired": _expired,
    "proposal.closed": _closed,
    "review.case_opened": _case_opened,
    "review.answer_submitted": _answer_submitted,
    "review.answer_published": _answer_published,
    "decision.vote_decided": _vote_decided,
    "decision.vote_opened": _vote_opened,
    "proposal.edited": _edited,
    "proposal.withdrawn": _withdrawn,
    "proposal.visibility_changed": _visibility,
    "deliberation.opened": _deliberation_opened,
    "proposal.debate_opened": _debate_opened,
    "deliberation.result_published": _result_published,
    "proposal.debate_result": _debate_result,
    "committee.agenda_opened": _agenda_opened,
    "committee.selection_decided": _selection,
    "committee.plan_submitted": _plan_submitted,
    "committee.verdict_given": _verdict,
    "committee.verdict_overdue": _verdict_overdue,
    "execution.started": _execution_started,
    "execution.progressed": _execution_progressed,
    "execution.report_published": _report,
    "execution.completed": _execution_completed,
}
