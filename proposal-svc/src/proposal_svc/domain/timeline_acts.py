"""Timeline entries for what people do to an item after submitting it: the author edits or
withdraws it, an operator moderates it or one of its comments. The reason is always shown."""

from __future__ import annotations

from datetime import datetime

from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain import moderation
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.timeline import TimelineEntry

FIELD_KO = {"title": "제목", "body": "내용", "category": "정책분류", "district": "자치구", "hashtags": "해시태그"}
VISIBILITY_KO = {"public": "공개", "private": "비공개"}


def edited(p: Proposal, at: datetime, changed: list[str], edit_id: str) -> TimelineEntry:
    what = ", ".join(FIELD_KO.get(f, f) for f in changed)
    return TimelineEntry(
        id=f"{p.id}:edited:{edit_id}",
        item_id=p.id,
        at=at,
        kind="proposal.edited",
        actor_role=p.author_role,
        summary=f"제안자가 제안을 수정했습니다 ({what}).",
        data={"fields": changed},
    )


def withdrawn(p: Proposal, at: datetime) -> TimelineEntry:
    return TimelineEntry(
        id=f"{p.id}:withdrawn",
        item_id=p.id,
        at=at,
        kind="proposal.withdrawn",
        actor_role=p.author_role,
        summary=f"제안자가 제안을 철회했습니다 (철회 시점 공감 {p.support_count:,}).",
        data={"support_count": p.support_count},
    )


def moderated(
    item_id: str, target_type: str, target_id: str, action: str, reason: str, at: datetime, audit_id: str
) -> TimelineEntry:
    return TimelineEntry(
        id=f"{item_id}:moderation:{audit_id}",
        item_id=item_id,
        at=at,
        kind=f"{target_type}.moderated",
        actor_role=ActorRole.OPERATOR,
        summary=moderation.timeline_summary(target_type, action, reason),
        data={"target_type": target_type, "target_id": target_id, "action": action, "reason": reason},
    )


def visibility_changed(p: Proposal, visibility: str, reason: str, at: datetime, audit_id: str) -> TimelineEntry:
    return TimelineEntry(
        id=f"{p.id}:moderation:{audit_id}",
        item_id=p.id,
        at=at,
        kind="proposal.visibility_changed",
        actor_role=ActorRole.OPERATOR,
        summary=f"운영자가 이 제안을 {VISIBILITY_KO[visibility]}로 전환했습니다. 사유: {reason}",
        data={"visibility": visibility, "reason": reason},
    )
