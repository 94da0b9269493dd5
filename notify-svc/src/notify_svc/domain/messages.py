"""What a notification says, in Korean: one title and one body per event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gongnon_contracts.events.common import Metric, RuleAction

KST = timezone(timedelta(hours=9), "KST")  # Korea keeps no daylight saving time

DECISION_LABELS = {"accept": "수용", "partial": "부분수용", "reject": "불수용"}
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _proposal(title: str | None) -> str:
    return f"‘{title}’ 제안" if title else "제안"


def _threshold(metric: Metric, n: int) -> str:
    # The object particle follows the last syllable: 개 takes 를, 명 takes 을.
    return f"공감 {n:,}개를" if metric == Metric.SUPPORTS else f"토론 참여 {n:,}명을"


def _so_far(metric: Metric, n: int) -> str:
    return f"공감이 {n:,}개 모였습니다" if metric == Metric.SUPPORTS else f"토론에 {n:,}명이 참여했습니다"


def _date(at: datetime) -> str:
    d = at.astimezone(KST)
    return f"{d.year}년 {d.month}월 {d.day}일"


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


_OUTCOMES: dict[RuleAction, str] = {
    RuleAction.DEPARTMENT_ANSWER: "부서 검토에 들어갑니다",
    RuleAction.HEAD_ANSWER: "시장이 직접 답변합니다",
    RuleAction.DEBATE_CANDIDATE: "시민토론 후보가 되었습니다",
    RuleAction.MAKE_PUBLIC: "공개되었습니다",
    RuleAction.OPEN_DECISION_VOTE: "결정 투표가 열립니다",
    RuleAction.CLOSE: "마감되었습니다",
}


def _next_step(action: RuleAction, due_days: int | None) -> str:
    within = f"{due_days}일 안에 " if due_days else ""
    return {
        RuleAction.DEPARTMENT_ANSWER: f"담당 부서가 {within}답변합니다.",
        RuleAction.HEAD_ANSWER: f"시장이 {within}직접 답변합니다.",
        RuleAction.DEBATE_CANDIDATE: "시민토론 후보로 검토됩니다.",
        RuleAction.MAKE_PUBLIC: "이제 모두가 볼 수 있습니다.",
        RuleAction.OPEN_DECISION_VOTE: "결정 투표에 참여해 주세요.",
        RuleAction.CLOSE: "제안 절차가 마감되었습니다.",
    }[action]


def milestone_reached(
    *, title: str | None, metric: Metric, threshold: int, value: int, action: RuleAction, due_days: int | None
) -> Message:
    return Message(
        title=f"제안이 {_threshold(metric, threshold)} 넘어 {_OUTCOMES[action]}",
        body=f"{_proposal(title)}에 {_so_far(metric, value)}. {_next_step(action, due_days)}",
    )


def case_opened(*, title: str | None, department_name: str, due_at: datetime) -> Message:
    return Message(
        title=f"{department_name}에서 제안을 검토합니다",
        body=f"{_proposal(title)}을 {department_name}에서 검토합니다. 답변 기한은 {_date(due_at)}입니다.",
    )


def answer_published(
    *, title: str | None, department_name: str, decision: str, reason: str | None, answer: str
) -> Message:
    label = DECISION_LABELS.get(decision, decision)
    body = f"{department_name}에서 {_proposal(title)}에 ‘{label}’ 답변을 했습니다."
    if reason:
        body += f" 사유: {reason.strip()}"
    body += f"\n\n{_excerpt(answer)}"
    return Message(title=f"부서 답변이 공개되었습니다 ({label})", body=body)
