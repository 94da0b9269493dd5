"""Moderation commands, one function each, inside the caller's transaction: an operator hides,
restores or trashes a proposal or a comment, or makes a proposal private or public again — with a
reason, on the item's public timeline, in the audit log and as an event; and the automatic check
that queues suspicious new text."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound
from gongnon_chassis.store import Tx
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.events.proposals import CommentModerated, ProposalModerated
from proposal_svc.access import is_moderator
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.moderation import OPEN, ModerationRepository, Target
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import moderation, suspicion, timeline_acts
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.proposal import VISIBILITIES, Proposal
from proposal_svc.refusals import translated


def proposal_target(p: Proposal) -> Target:
    return Target(moderation.PROPOSAL, p.id, p.id, p.agency, p.author_account, p.moderation)


def comment_target(c: Comment) -> Target:
    return Target(moderation.COMMENT, c.id, c.item_id, c.agency, c.author_account, c.moderation)


async def load_target(
    repo: ProposalRepository, community: CommunityRepository, target_type: str, target_id: str, session: Any = None
) -> tuple[Target, Proposal | Comment]:
    if target_type == moderation.PROPOSAL:
        p = await repo.get(target_id, session)
        if p is not None:
            return proposal_target(p), p
        raise NotFound("no such proposal", code="proposal_not_found")
    if target_type == moderation.COMMENT:
        c = await community.comment(target_id, session)
        if c is not None:
            return comment_target(c), c
        raise NotFound("no such comment", code="comment_not_found")
    raise Invalid(f"target type is one of {', '.join(moderation.TARGET_TYPES)}", code="unknown_target_type")


def require_moderator(actor: Actor, agency: str | None = None) -> None:
    actor.require(ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)
    if agency is not None and not is_moderator(actor, agency):
        raise Forbidden("this belongs to another agency's space", code="other_agency")


async def auto_check(mod: ModerationRepository, tx: Tx, target: Target, text: str) -> list[str]:
    """Queue the target when its text looks abusive or like spam; it stays visible meanwhile."""
    codes = suspicion.check(text)
    if codes:
        await mod.note_suspicion(tx, target, codes)
    return codes


async def act(
    repo: ProposalRepository,
    community: CommunityRepository,
    mod: ModerationRepository,
    tx: Tx,
    actor: Actor,
    target_type: str,
    target_id: str,
    action: str,
    reason: str | None,
) -> dict[str, Any]:
    require_moderator(actor)
    with translated():
        text = moderation.require_reason(reason)
    target, obj = await load_target(repo, community, target_type, target_id, tx.session)
    require_moderator(actor, target.agency)
    entry = await mod.entry(target, tx.session)
    with translated():
        new_state = moderation.transition(target.state, action, entry is not None and entry["status"] == OPEN)
    obj.moderation, obj.moderation_reason, obj.moderated_at = new_state, text, tx.now
    if isinstance(obj, Proposal):
        await mod.save_proposal_moderation(tx, obj)
    else:
        await community.set_comment_moderation(tx, obj)
    audit_id = await mod.audit(
        tx,
        {
            "agency": target.agency,
            "target_type": target.type,
            "target_id": target.id,
            "item_id": target.item_id,
            "action": action,
            "reason": text,
            "from_state": target.state,
            "to_state": new_state,
            "author_account": target.author_account,
            "actor_account": actor.account_id,
            "actor_role": actor.role.value,
            "actor_name": actor.display_name,
        },
    )
    entry_ = timeline_acts.moderated(target.item_id, target.type, target.id, action, text, tx.now, audit_id)
    await repo.add_timeline(tx, entry_)
    if entry is not None:
        await mod.resolve(tx, target, action, text, actor.account_id)
    if target.type == moderation.PROPOSAL:
        tx.emit(
            ProposalModerated(item_id=target.item_id, action=action, reason=text, actor_account=actor.account_id),
            agency=target.agency,
        )
    else:
        tx.emit(
            CommentModerated(
                item_id=target.item_id,
                comment_id=target.id,
                action=action,
                reason=text,
                actor_account=actor.account_id,
                author_account=target.author_account,
            ),
            agency=target.agency,
        )
    return {
        "target_type": target.type,
        "target_id": target.id,
        "item_id": target.item_id,
        "action": action,
        "reason": text,
        "from_state": target.state,
        "state": new_state,
        "audit_id": audit_id,
        "at": tx.now,
    }


async def set_visibility(
    repo: ProposalRepository,
    mod: ModerationRepository,
    tx: Tx,
    actor: Actor,
    item_id: str,
    visibility: str,
    reason: str | None,
) -> Proposal:
    """An operator makes a proposal private (비공개) or public again, with a reason."""
    require_moderator(actor)
    with translated():
        text = moderation.require_reason(reason)
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility is one of {', '.join(VISIBILITIES)}", code="unknown_visibility")
    p = await repo.get(item_id, tx.session)
    if p is None:
        raise NotFound("no such proposal", code="proposal_not_found")
    require_moderator(actor, p.agency)
    if p.visibility == visibility:
        raise Conflict(f"the proposal is already {visibility}", code="invalid_transition")
    before = p.visibility
    p.visibility = visibility
    await mod.save_proposal_moderation(tx, p)
    action = f"make_{visibility}"
    audit_id = await mod.audit(
        tx,
        {
            "agency": p.agency,
            "target_type": moderation.PROPOSAL,
            "target_id": p.id,
            "item_id": p.id,
            "action": action,
            "reason": text,
            "from_state": before,
            "to_state": visibility,
            "author_account": p.author_account,
            "actor_account": actor.account_id,
            "actor_role": actor.role.value,
            "actor_name": actor.display_name,
        },
    )
    await repo.add_timeline(tx, timeline_acts.visibility_changed(p, visibility, text, tx.now, audit_id))
    tx.emit(
        ProposalModerated(item_id=p.id, action=action, reason=text, actor_account=actor.account_id), agency=p.agency
    )
    return p
