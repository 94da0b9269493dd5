"""Moderation (게시물 관리): an operator hides, restores or trashes a proposal or a comment, or makes
a proposal private or public again — with a reason, on the item's public timeline, in the audit
log and as an event; citizens' reports and the automatic check put targets in the operators'
queue. The rules are domain/moderation.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.events.proposals import CommentModerated, ProposalModerated
from gongnon_contracts.refusals import Conflict, Forbidden, Invalid, NotFound
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import moderation, suspicion, timeline_acts
from proposal_svc.domain.access import is_moderator
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.moderation import OPEN, Target
from proposal_svc.domain.proposal import VISIBILITIES, Proposal

Doc = dict[str, Any]


def proposal_target(p: Proposal) -> Target:
    return Target(moderation.PROPOSAL, p.id, p.id, p.agency, p.author_account, p.moderation)


def comment_target(c: Comment) -> Target:
    return Target(moderation.COMMENT, c.id, c.item_id, c.agency, c.author_account, c.moderation)


def require_moderator(actor: Actor, agency: str | None = None) -> None:
    actor.require(ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)
    if agency is not None and not is_moderator(actor, agency):
        raise Forbidden("this belongs to another agency's space", code="other_agency")


def audit_record(t: Target, action: str, reason: str, from_state: str, to_state: str, actor: Actor) -> Doc:
    return {
        "agency": t.agency,
        "target_type": t.type,
        "target_id": t.id,
        "item_id": t.item_id,
        "action": action,
        "reason": reason,
        "from_state": from_state,
        "to_state": to_state,
        "author_account": t.author_account,
        "actor_account": actor.account_id,
        "actor_role": actor.role.value,
        "actor_name": actor.display_name,
    }


@dataclass(frozen=True)
class ModerationAct:
    """What an operator did, as recorded (the audit entry's id included)."""

    target_type: str
    target_id: str
    item_id: str
    action: str
    reason: str
    from_state: str
    state: str
    audit_id: str
    at: datetime


@dataclass
class ModerationService:
    store: Store
    proposals: ProposalRepository
    comments: CommunityRepository
    queue: ModerationRepository

    async def load_target(
        self, target_type: str, target_id: str, session: Any = None
    ) -> tuple[Target, Proposal | Comment]:
        if target_type == moderation.PROPOSAL:
            p = await self.proposals.get(target_id, session)
            if p is not None:
                return proposal_target(p), p
            raise NotFound("no such proposal", code="proposal_not_found")
        if target_type == moderation.COMMENT:
            c = await self.comments.comment(target_id, session)
            if c is not None:
                return comment_target(c), c
            raise NotFound("no such comment", code="comment_not_found")
        raise Invalid(f"target type is one of {', '.join(moderation.TARGET_TYPES)}", code="unknown_target_type")

    # --- inside other use cases' transactions ---

    async def auto_check(self, tx: Tx, target: Target, text: str) -> list[str]:
        """Queue the target when its text looks abusive or like spam; it stays visible meanwhile."""
        codes = suspicion.check(text)
        if codes:
            await self.queue.note_suspicion(tx, target, codes)
        return codes

    async def report(self, tx: Tx, target: Target, reason: str) -> Doc:
        """Count a citizen's report (the caller recorded it once per account); returns the entry."""
        return await self.queue.note_flag(tx, target, reason)

    # --- the operators' console ---

    def space(self, actor: Actor, agency: str | None) -> str:
        """The agency whose queue and log the moderator reads (their own unless named)."""
        target = agency or actor.agency
        require_moderator(actor, target)
        return str(target)

    async def open_queue(
        self, actor: Actor, agency: str | None, limit: int
    ) -> list[tuple[Doc, Proposal | Comment | None]]:
        """Reported and automatically suspected items and comments of the agency, oldest first,
        each with what it is about (None when that is gone)."""
        entries = await self.queue.open_entries(self.space(actor, agency), limit)
        out: list[tuple[Doc, Proposal | Comment | None]] = []
        for e in entries:
            try:
                _, target = await self.load_target(e["target_type"], e["target_id"])
            except NotFound:
                out.append((e, None))
            else:
                out.append((e, target))
        return out

    async def audit_log(self, actor: Actor, agency: str | None, target_id: str, limit: int) -> list[Doc]:
        """Every moderation act on the target, oldest first (append-only)."""
        return await self.queue.audit_for(self.space(actor, agency), target_id, limit)

    async def act(
        self, actor: Actor, target_type: str, target_id: str, action: str, reason: str | None
    ) -> ModerationAct:
        """Hide, restore or trash a proposal or a comment, with a reason."""
        require_moderator(actor)
        text = moderation.require_reason(reason)

        async def body(tx: Tx) -> ModerationAct:
            target, obj = await self.load_target(target_type, target_id, tx.session)
            require_moderator(actor, target.agency)
            entry = await self.queue.entry(target, tx.session)
            new_state = moderation.transition(target.state, action, entry is not None and entry["status"] == OPEN)
            obj.moderation, obj.moderation_reason, obj.moderated_at = new_state, text, tx.now
            audit_id = await self.queue.audit(tx, audit_record(target, action, text, target.state, new_state, actor))
            shown = timeline_acts.moderated(target.item_id, target.type, target.id, action, text, tx.now, audit_id)
            if isinstance(obj, Proposal):
                await self.proposals.save_moderation(tx, obj, shown)
            else:
                await self.comments.set_comment_moderation(tx, obj)
                await self.proposals.add_timeline(tx, shown)
            if entry is not None:
                await self.queue.resolve(tx, target, action, text, actor.account_id)
            if target.type == moderation.PROPOSAL:
                event: ProposalModerated | CommentModerated = ProposalModerated(
                    item_id=target.item_id, action=action, reason=text, actor_account=actor.account_id
                )
            else:
                event = CommentModerated(
                    item_id=target.item_id,
                    comment_id=target.id,
                    action=action,
                    reason=text,
                    actor_account=actor.account_id,
                    author_account=target.author_account,
                )
            tx.emit(event, agency=target.agency)
            return ModerationAct(
                target.type, target.id, target.item_id, action, text, target.state, new_state, audit_id, tx.now
            )

        return await self.store.transaction(body)

    async def set_visibility(self, actor: Actor, item_id: str, visibility: str, reason: str | None) -> Proposal:
        """Make a proposal private (비공개) or public again, with a reason."""
        require_moderator(actor)
        text = moderation.require_reason(reason)
        if visibility not in VISIBILITIES:
            raise Invalid(f"visibility is one of {', '.join(VISIBILITIES)}", code="unknown_visibility")

        async def body(tx: Tx) -> Proposal:
            p = await self.proposals.get(item_id, tx.session)
            if p is None:
                raise NotFound("no such proposal", code="proposal_not_found")
            require_moderator(actor, p.agency)
            if p.visibility == visibility:
                raise Conflict(f"the proposal is already {visibility}", code="invalid_transition")
            before = p.visibility
            p.visibility = visibility
            action = f"make_{visibility}"
            record = audit_record(proposal_target(p), action, text, before, visibility, actor)
            audit_id = await self.queue.audit(tx, record)
            shown = timeline_acts.visibility_changed(p, visibility, text, tx.now, audit_id)
            await self.proposals.save_moderation(tx, p, shown)
            tx.emit(
                ProposalModerated(item_id=p.id, action=action, reason=text, actor_account=actor.account_id),
                agency=p.agency,
            )
            return p

        return await self.store.transaction(body)
