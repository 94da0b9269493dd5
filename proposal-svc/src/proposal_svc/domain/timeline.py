"""Every item's public timeline (공개 타임라인): who did what, when and why, in Korean.

Entry ids are natural keys (item + what happened), so writing one twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gongnon_contracts.events import DecisionVoteDecided, DecisionVoteOpened
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from proposal_svc.domain.proposal import Proposal, milestone_record
from proposal_svc.domain.rules import Expiry, Firing

METRIC_KO = {Metric.SUPPORTS: "공감", Metric.DEBATE_PARTICIPANTS: "토론 참여"}
METRIC_UNIT = {Metric.SUPPORTS: "개", Metric.DEBATE_PARTICIPANTS: "명"}
OBJECT_PARTICLE = {"개": "를", "명": "을"}  # 을/를 follows the unit's final sound
ACTION_KO = {
    RuleAction.MAKE_PUBLIC: "목록에 공개되었습니다",
    RuleAction.DEPARTMENT_ANSWER: "부서 답변 대상이 되었습니다",
    RuleAction.DEBATE_CANDIDATE: "토론 의제 후보가 되었습니다",
    RuleAction.HEAD_ANSWER: "기관장 답변 대상이 되었습니다",
    RuleAction.OPEN_DECISION_VOTE: "결정 투표 대상이 되었습니다",
    RuleAction.CLOSE: "종료되었습니다",
}
DECISION_KO = {"accept": "수용", "partial": "부분수용", "reject": "불수용"}


@dataclass(frozen=True)
class TimelineEntry:
    id: str
    item_id: str
    at: datetime
    kind: str
    actor_role: ActorRole
    summary: str
    data: dict[str, Any] = field(default_factory=dict)


def _n(value: int) -> str:
    return f"{value:,}"


def submitted(p: Proposal) -> TimelineEntry:
    who = "시민" if p.author_role == ActorRole.CITIZEN else "운영자"
    listed = "" if p.listed else " 사전동의를 모으는 중이며 링크로만 볼 수 있습니다."
    return TimelineEntry(
        id=f"{p.id}:submitted",
        item_id=p.id,
        at=p.created_at,
        kind="proposal.submitted",
        actor_role=p.author_role,
        summary=f"{who} 제안이 등록되었습니다.{listed}",
        data={"rule_set_id": p.rule_set.id, "rule_set_version": p.rule_set.version, "listed": p.listed},
    )


def milestone(p: Proposal, f: Firing) -> TimelineEntry:
    reached = f"{METRIC_KO[f.rule.metric]} {_n(f.threshold)}{METRIC_UNIT[f.rule.metric]}"
    due = f" {f.rule.due_days}일 이내에 처리해야 합니다." if f.rule.due_days else ""
    return TimelineEntry(
        id=f"{p.id}:milestone:{f.rule.id}",
        item_id=p.id,
        at=f.fired_at,
        kind="proposal.milestone_reached",
        actor_role=ActorRole.SYSTEM,
        summary=f"{reached}{OBJECT_PARTICLE[METRIC_UNIT[f.rule.metric]]} 달성하여 {ACTION_KO[f.rule.action]}.{due}",
        # The milestone as the item records it; the entry's own time is when it fired.
        data={k: v for k, v in milestone_record(f).items() if k != "fired_at"},
    )


def rule_expired(p: Proposal, e: Expiry, value: int) -> TimelineEntry:
    return TimelineEntry(
        id=f"{p.id}:expired:{e.rule.id}",
        item_id=p.id,
        at=e.deadline,
        kind="proposal.rule_expired",
        actor_role=ActorRole.SYSTEM,
        summary=(
            f"기간 안에 {METRIC_KO[e.rule.metric]} {_n(e.threshold)}{METRIC_UNIT[e.rule.metric]}에 "
            f"도달하지 못했습니다 (현재 {_n(value)})."
        ),
        data={"rule_id": e.rule.id, "metric": e.rule.metric.value, "threshold": e.threshold, "value": value},
    )


def closed(p: Proposal, at: datetime, reason: str) -> TimelineEntry:
    return TimelineEntry(
        id=f"{p.id}:closed",
        item_id=p.id,
        at=at,
        kind="proposal.closed",
        actor_role=ActorRole.SYSTEM,
        summary=f"공감 기간이 종료되었습니다 (최종 공감 {_n(p.support_count)}).",
        data={"reason": reason, "support_count": p.support_count},
    )


def case_opened(item_id: str, case_id: str, at: datetime, department: str, due_at: datetime) -> TimelineEntry:
    return TimelineEntry(
        id=f"{item_id}:case:{case_id}:opened",
        item_id=item_id,
        at=at,
        kind="review.case_opened",
        actor_role=ActorRole.SYSTEM,
        summary=f"{department}에 부서검토가 배정되었습니다 (답변 기한 {due_at:%Y-%m-%d}).",
        data={"case_id": case_id, "department_name": department, "due_at": due_at},
    )


def answer_submitted(item_id: str, case_id: str, at: datetime, decision: str) -> TimelineEntry:
    return TimelineEntry(
        id=f"{item_id}:case:{case_id}:submitted",
        item_id=item_id,
        at=at,
        kind="review.answer_submitted",
        actor_role=ActorRole.OFFICER,
        summary="담당 부서가 답변을 제출했습니다. 관리자 승인 후 공개됩니다.",
        data={"case_id": case_id, "decision": decision},
    )


def answer_published(
    item_id: str, case_id: str, at: datetime, department: str, decision: str, answer: str, reason: str | None
) -> TimelineEntry:
    return TimelineEntry(
        id=f"{item_id}:case:{case_id}:published",
        item_id=item_id,
        at=at,
        kind="review.answer_published",
        actor_role=ActorRole.OPERATOR,
        summary=f"{department}의 답변이 공개되었습니다: {DECISION_KO.get(decision, decision)}.",
        data={
            "case_id": case_id,
            "department_name": department,
            "decision": decision,
            "answer": answer,
            "reason": reason,
        },
    )


def decision_decided(item_id: str, ev: DecisionVoteDecided) -> TimelineEntry:
    verdict = "가결되었습니다" if ev.passed else "부결되었습니다"
    return TimelineEntry(
        id=f"{item_id}:decision:{ev.item_id}:decided",
        item_id=item_id,
        at=ev.closes_at,
        kind="decision.vote_decided",
        actor_role=ActorRole.SYSTEM,
        summary=(
            f"결정 투표가 {verdict}: 찬성 {_n(ev.yes)}명, 반대 {_n(ev.no)}명 "
            f"(참여 {_n(ev.turnout)}명, 의결 정족수 {_n(ev.quorum)}명)."
        ),
        data=decision_record(ev),
    )


def decision_record(ev: DecisionVoteDecided) -> dict[str, Any]:
    return {
        "item_id": ev.item_id,
        "status": "decided",
        "budget_krw": ev.budget_krw,
        "yes": ev.yes,
        "no": ev.no,
        "turnout": ev.turnout,
        "quorum": ev.quorum,
        "passed": ev.passed,
        "closes_at": ev.closes_at,
    }


def decision_opened(item_id: str, ev: DecisionVoteOpened, at: datetime) -> TimelineEntry:
    until = f", {ev.closes_at:%Y-%m-%d} 마감" if ev.closes_at else ""
    return TimelineEntry(
        id=f"{item_id}:decision:{ev.item_id}:opened",
        item_id=item_id,
        at=ev.opens_at or at,
        kind="decision.vote_opened",
        actor_role=ActorRole.SYSTEM,
        summary=f"결정 투표가 시작되었습니다 (사업비 {_n(ev.budget_krw)}원, 의결 정족수 {_n(ev.quorum)}명{until}).",
        data=decision_opened_record(ev),
    )


def decision_opened_record(ev: DecisionVoteOpened) -> dict[str, Any]:
    return {
        "item_id": ev.item_id,
        "status": "open",
        "budget_krw": ev.budget_krw,
        "quorum": ev.quorum,
        "opens_at": ev.opens_at,
        "closes_at": ev.closes_at,
    }
