"""What people do around a proposal: the author edits or withdraws it; anyone signed in comments,
replies, follows it and reports it or a comment (신고)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.cursors import CursorSigner
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import ItemClosed
from gongnon_contracts.events.proposals import (
    ProposalEdited,
    ProposalFollowed,
    ProposalUnfollowed,
    ProposalWithdrawn,
)
from gongnon_contracts.refusals import Conflict, NotFound
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import authoring, moderation, timeline_acts
from proposal_svc.domain.access import can_see_proposal
from proposal_svc.domain.comment import Comment, thread_of
from proposal_svc.domain.listing import Cursor
from proposal_svc.domain.moderation import OPEN
from proposal_svc.domain.proposal import Proposal
from proposal_svc.service_layer.moderation import ModerationService, comment_target, proposal_target
from proposal_svc.service_layer.pages import seal, unseal


@dataclass(frozen=True)
class Thread:
    """A page of top-level comments, newest first, with the replies under them oldest first."""

    comments: list[Comment]
    replies: list[Comment]
    next_cursor: str | None


@dataclass(frozen=True)
class Flagged:
    target_type: str
    target_id: str
    flag_count: int
    queued: bool


@dataclass
class CommunityService:
    store: Store
    proposals: ProposalRepository
    comments: CommunityRepository
    moderation: ModerationService
    cursors: CursorSigner

    async def visible(self, item_id: str, actor: Actor | None, tx: Tx | None = None) -> Proposal:
        p = await self.proposals.get(item_id, tx.session if tx else None)
        if p is None or not can_see_proposal(p, actor):
            raise NotFound("no such proposal", code="proposal_not_found")
        return p

    # --- the author ---

    async def edit(self, actor: Actor, item_id: str, change: authoring.Edit) -> Proposal:
        """The author edits the proposal until its first support (공감)."""

        async def body(tx: Tx) -> Proposal:
            p = await self.visible(item_id, actor, tx)
            authoring.check_editable(p, actor.account_id)
            changed = authoring.apply_edit(p, change, tx.now)
            if not changed:
                return p
            if not await self.proposals.save_edit(tx, p, timeline_acts.edited(p, tx.now, changed, new_id())):
                # A support (or the withdrawal) landed between the read and the write.
                raise Conflict("a proposal cannot be edited once it has a support (공감)", code="edit_locked")
            edited = ProposalEdited(
                item_id=p.id,
                title=p.title,
                category=p.category,
                district=p.district,
                hashtags=p.hashtags,
                fields=changed,
                edited_at=tx.now,
            )
            tx.emit(edited, agency=p.agency)
            if {"title", "body"} & set(changed):
                await self.moderation.auto_check(tx, proposal_target(p), f"{p.title}\n{p.body}")
            return p

        return await self.store.transaction(body)

    async def withdraw(self, actor: Actor, item_id: str) -> Proposal:
        """The author withdraws the proposal: nothing is deleted, it stays readable."""

        async def body(tx: Tx) -> Proposal:
            p = await self.visible(item_id, actor, tx)
            closes = authoring.withdraw(p, actor.account_id, tx.now)
            if not await self.proposals.save_withdrawal(tx, p, timeline_acts.withdrawn(p, tx.now)):
                raise Conflict("the proposal is already withdrawn", code="already_withdrawn")
            tx.emit(ProposalWithdrawn(item_id=p.id, withdrawn_at=tx.now), agency=p.agency)
            if closes:
                # voting-svc closes the ballot on this; nothing more can be supported.
                tx.emit(ItemClosed(item_id=p.id, reason="withdrawn", closed_at=tx.now), agency=p.agency)
            return p

        return await self.store.transaction(body)

    # --- comments ---

    async def comment(
        self, actor: Actor, text: str, item_id: str | None = None, reply_to: str | None = None
    ) -> Comment:
        """A comment on the item, or (reply_to) a reply in the thread of that comment."""

        async def body(tx: Tx) -> Comment:
            parent = None
            target_item = item_id
            if reply_to is not None:
                parent = await self.comments.comment(reply_to, tx.session)
                if parent is None:
                    raise NotFound("no such comment", code="comment_not_found")
                if not parent.public:
                    raise Conflict("this comment was hidden and takes no replies", code="comment_hidden")
                target_item = parent.item_id
            assert target_item is not None
            p = await self.visible(target_item, actor, tx)
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
                body=text,
                created_at=tx.now,
                parent_id=thread_of(parent) if parent else None,
                reply_to=parent.id if parent else None,
            )
            await self.comments.insert_comment(tx, c)
            await self.moderation.auto_check(tx, comment_target(c), text)
            return c

        return await self.store.transaction(body)

    async def thread(self, actor: Actor | None, item_id: str, cursor: str | None, limit: int) -> Thread:
        """Comments newest first, each with its replies oldest first."""
        await self.visible(item_id, actor)
        scope = f"comments:{item_id}"  # a cursor of one thread is no good for another
        after = unseal(self.cursors, scope, cursor, "latest") if cursor else None
        found, resume = await self.comments.thread_page(item_id, after, limit)
        top = found[:limit]
        replies = await self.comments.replies([c.id for c in top])
        last = top[-1] if len(found) > limit else None
        if last is not None:
            next_cursor: str | None = seal(self.cursors, scope, Cursor("latest", last.created_at, last.id))
        else:
            next_cursor = seal(self.cursors, scope, resume) if resume else None
        return Thread(top, replies, next_cursor)

    # --- follows ---

    async def following(self, actor: Actor, item_id: str) -> bool:
        await self.visible(item_id, actor)
        return await self.comments.following(item_id, actor.account_id)

    async def follow(self, actor: Actor, item_id: str, on: bool) -> bool:
        """Follow (on) or unfollow the item; the event goes out only when something changed."""

        async def body(tx: Tx) -> bool:
            p = await self.visible(item_id, actor, tx)
            if on:
                if await self.comments.follow(tx, p.id, actor.account_id, p.agency):
                    followed = ProposalFollowed(item_id=p.id, account_id=actor.account_id, followed_at=tx.now)
                    tx.emit(followed, agency=p.agency)
            elif await self.comments.unfollow(tx, p.id, actor.account_id):
                unfollowed = ProposalUnfollowed(item_id=p.id, account_id=actor.account_id, unfollowed_at=tx.now)
                tx.emit(unfollowed, agency=p.agency)
            return on

        return await self.store.transaction(body)

    # --- reports ---

    async def flag(self, actor: Actor, target_type: str, target_id: str, reason: str, detail: str | None) -> Flagged:
        """Report a proposal or a comment (신고), once per account; enough reports queue it."""

        async def body(tx: Tx) -> Flagged:
            moderation.check_flag_reason(reason)
            target, _ = await self.moderation.load_target(target_type, target_id, tx.session)
            item = await self.visible(target.item_id, actor, tx)
            if target.state != moderation.VISIBLE or not item.public:
                raise Conflict("this was already taken out of public view", code="already_moderated")
            if target.author_account == actor.account_id:
                raise Conflict("you cannot report what you wrote yourself", code="own_content")
            record: dict[str, Any] = {
                "target_type": target.type,
                "target_id": target.id,
                "item_id": target.item_id,
                "agency": target.agency,
                "account_id": actor.account_id,
                "reason": reason,
                "detail": detail,
            }
            if not await self.comments.add_flag(tx, record):
                raise Conflict("you already reported this", code="already_flagged")
            entry = await self.moderation.report(tx, target, reason)
            return Flagged(target.type, target.id, entry.get("flag_count", 0), entry["status"] == OPEN)

        return await self.store.transaction(body)
