"""Timeline entries of debates and consultations, and of the proposal a debate grew from.
Entry ids are natural keys, so writing one twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain.deliberation import (
    KIND_KO,
    VOTE_TYPE_KO,
    Deliberation,
    Result,
    result_summary,
)
from proposal_svc.domain.timeline import TimelineEntry


def _day(at: datetime) -> str:
    return f"{at:%Y-%m-%d}"


def opened(d: Deliberation) -> TimelineEntry:
    p = d.period
    days = max(1, round(p.length.total_seconds() / 86_400))
    return TimelineEntry(
        id=f"{d.id}:opened",
        item_id=d.id,
        at=d.created_at,
        kind="deliberation.opened",
        actor_role=d.creator_role,
        summary=(
            f"{KIND_KO[d.kind]}가 열렸습니다 ({VOTE_TYPE_KO[d.ballot.vote_type]}, "
            f"{_day(p.opens_at)} ~ {_day(p.closes_at)}, {days}일간)."
        ),
        data={
            "kind": d.kind.value,
            "vote_type": d.ballot.vote_type.value,
            "opens_at": p.opens_at,
            "closes_at": p.closes_at,
            "department_id": d.department_id,
            "source_item_id": d.source_item_id,
        },
    )


def debate_opened_on_proposal(proposal_id: str, d: Deliberation) -> TimelineEntry:
    return TimelineEntry(
        id=f"{proposal_id}:debate:{d.id}:opened",
        item_id=proposal_id,
        at=d.created_at,
        kind="proposal.debate_opened",
        actor_role=d.creator_role,
        summary=f"시민토론이 열렸습니다 ({_day(d.period.opens_at)} ~ {_day(d.period.closes_at)}).",
        data={"debate_id": d.id, "vote_type": d.ballot.vote_type.value, "closes_at": d.period.closes_at},
    )


def result_published(d: Deliberation, r: Result) -> TimelineEntry:
    return TimelineEntry(
        id=f"{d.id}:result",
        item_id=d.id,
        at=r.published_at,
        kind="deliberation.result_published",
        actor_role=ActorRole.SYSTEM,
        summary=(
            f"투표가 마감되어 결과를 공개합니다. {result_summary(d.ballot, r)}. "
            f"담당 부서가 {d.answer_due_days}일 이내에 답변합니다."
        ),
        data={"total": r.total, "counts": dict(r.counts), "closed_at": r.closed_at},
    )


def debate_result_on_proposal(proposal_id: str, d: Deliberation, r: Result) -> TimelineEntry:
    return TimelineEntry(
        id=f"{proposal_id}:debate:{d.id}:result",
        item_id=proposal_id,
        at=r.published_at,
        kind="proposal.debate_result",
        actor_role=ActorRole.SYSTEM,
        summary=f"시민토론이 마감되었습니다. {result_summary(d.ballot, r)}.",
        data={"debate_id": d.id, "total": r.total, "counts": dict(r.counts)},
    )
