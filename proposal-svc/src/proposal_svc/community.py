"""What citizens do around a proposal, one function per command, inside the caller's
transaction: the author edits or withdraws it; anyone signed in comments, replies, follows it
and reports it or a comment."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Conflict, NotFound
from gongnon_chassis.store import Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import ItemClosed
from gongnon_contracts.events.proposals import (
    ProposalEdited,
    ProposalFollowed,
    ProposalUnfollowed,
    ProposalWithdrawn,
)
from proposal_svc import moderating
from proposal_svc.access import can_see_proposal
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.moderation import OPEN, ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import authoring, moderation, timeline_acts
from proposal_svc.domain.comment import Comment, thread_of
from proposal_svc.domain.proposal import Proposal
from proposal_svc.refusals import translated


async def visible_proposal(
    repo: ProposalRepository, item_id: str, actor: Actor | None, tx: Tx | None = None
) -> Proposal:
    p = await repo.get(item_id, tx.session if tx else None)
    if p is None or not can_see_proposal(p, actor):
        raise NotFound("no such proposal", code="proposal_not_found")
    return p


async def edit(
    repo: ProposalRepository,
    community: CommunityRepository,
    mod: ModerationRepository,
    tx: Tx,
    actor: Actor,
    item_id: str,
    change: authoring.Edit,
) -> Proposal:
    p = await visible_proposal(repo, item_id, actor, tx)
    with translated():
        authoring.check_editable(p, actor.account_id)
    changed = authoring.apply_edit(p, change, tx.now)
    if not changed:
        return p
    if not await community.save_edit(tx, p):
        # A support (or the withdrawal) landed between the read and the write.
        raise Conflict("a proposal cannot be edited once it has a support (공감)", code="edit_locked")
    await repo.add_timeline(tx, timeline_acts.edited(p, tx.now, changed, new_id()))
    tx.emit(
        ProposalEdited(
            item_id=p.id,
            title=p.title,
            category=p.category,
            district=p.district,
            hashtags=p.hashtags,
            fields=changed,
            edited_at=tx.now,
        ),
        agency=p.agency,
    )
    if {"title", "body"} & set(changed):
        await moderating.auto_check(mod, tx, moderating.proposal_target(p), f"{p.title}\n{p.body}")
    return p


async def withdraw(
    repo: ProposalRepository, community: CommunityRepository, tx: Tx, actor: Actor, item_id: str
) -> Proposal:
    p = await visible_proposal(repo, item_id, actor, tx)
    with translated():
        closes = authoring.withdraw(p, actor.account_id, tx.now)
    if not await community.save_withdrawal(tx, p):
        raise Conflict("the proposal is already withdrawn", code="already_withdrawn")
    await repo.add_timeline(tx, timeline_acts.withdrawn(p, tx.now))
    tx.emit(ProposalWithdrawn(item_id=p.id, withdrawn_at=tx.now), agency=p.agency)
    if closes:
        # voting-svc closes the ballot on this; nothing more can be supported.
        tx.emit(ItemClosed(item_id=p.id, reason="withdrawn", closed_at=tx.now), agency=p.agency)
    return p


async def add_comment(
    repo: ProposalRepository,
    community: CommunityRepository,
    mod: ModerationRepository,
    tx: Tx,
    actor: Actor,
    body: str,
    item_id: str | None = None,
    reply_to: str | None = None,
) -> Comment:
    """A comment on the item, or (reply_to) a reply in the thread of that comment."""
    parent = None
    if reply_to is not None:
        parent = await community.comment(reply_to, tx.session)
        if parent is None:
            raise NotFound("no such comment", code="comment_not_found")
        if not parent.public:
            raise Conflict("this comment was hidden and takes no replies", code="comment_hidden")
        item_id = parent.item_id
    assert item_id is not None
    p = await visible_proposal(repo, item_id, actor, tx)
    if not p.public:
        raise Conflict("the proposal is under moderation and takes no comments", code="moderated")
    if p.withdrawn_at is not None:
        raise Conflict("the proposal was withdrawn", code="withdrawn")
    c = Comment(
        id=new_id("cm_"),
        item_id=p.id,
        agency=p.agency,
        author_account=actor.account_id,
        author_name=actor.display_name,
        author_role=actor.role,
        body=body,
        created_at=tx.now,
        parent_id=thread_of(parent) if parent else None,
        reply_to=parent.id if parent else None,
    )
    await community.insert_comment(tx, c)
    await moderating.auto_check(mod, tx, moderating.comment_target(c), body)
    return c


async def follow(
    repo: ProposalRepository, community: CommunityRepository, tx: Tx, actor: Actor, item_id: str, on: bool
) -> bool:
    """Follow (on) or unfollow the item; the event goes out only when something changed."""
    p = await visible_proposal(repo, item_id, actor, tx)
    if on:
        if await community.follow(tx, p.id, actor.account_id, p.agency):
            tx.emit(ProposalFollowed(item_id=p.id, account_id=actor.account_id, followed_at=tx.now), agency=p.agency)
    elif await community.unfollow(tx, p.id, actor.account_id):
        tx.emit(ProposalUnfollowed(item_id=p.id, account_id=actor.account_id, unfollowed_at=tx.now), agency=p.agency)
    return on


async def flag(
    repo: ProposalRepository,
    community: CommunityRepository,
    mod: ModerationRepository,
    tx: Tx,
    actor: Actor,
    target_type: str,
    target_id: str,
    reason: str,
    detail: str | None,
) -> dict[str, Any]:
    """Report a proposal or a comment (신고), once per account; enough reports queue it."""
    with translated():
        moderation.check_flag_reason(reason)
    target, _ = await moderating.load_target(repo, community, target_type, target_id, tx.session)
    item = await visible_proposal(repo, target.item_id, actor, tx)
    if target.state != moderation.VISIBLE or not item.public:
        raise Conflict("this was already taken out of public view", code="already_moderated")
    if target.author_account == actor.account_id:
        raise Conflict("you cannot report what you wrote yourself", code="own_content")
    record = {
        "target_type": target.type,
        "target_id": target.id,
        "item_id": target.item_id,
        "agency": target.agency,
        "account_id": actor.account_id,
        "reason": reason,
        "detail": detail,
    }
    if not await community.add_flag(tx, record):
        raise Conflict("you already reported this", code="already_flagged")
    entry = await mod.note_flag(tx, target, reason)
    return {
        "target_type": target.type,
        "target_id": target.id,
        "flagged": True,
        "flag_count": entry.get("flag_count", 0),
        "queued": entry["status"] == OPEN,
    }
