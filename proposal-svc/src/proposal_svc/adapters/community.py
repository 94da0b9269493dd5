"""MongoDB persistence of what people do around a proposal: comments (`comments`), follows
(`follows`) and reports (`flags`). The author's edits and withdrawal change the proposal itself:
adapters/repository.py writes those.

Natural keys make repeats harmless: one follow per (item, account), one report per (target,
account)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events.common import ActorRole
from proposal_svc.adapters.listing import LATEST_KEYS, Listing, ListSpec
from proposal_svc.domain import moderation
from proposal_svc.domain.comment import Comment
from proposal_svc.domain.listing import Cursor

Doc = dict[str, Any]
REPLIES_MAX = 500  # replies shown under one page of comments


def comment_to_doc(c: Comment) -> Doc:
    return {
        "_id": c.id,
        "item_id": c.item_id,
        "agency": c.agency,
        "parent_id": c.parent_id,
        "reply_to": c.reply_to,
        "depth": c.depth,
        "author_account": c.author_account,
        "author_name": c.author_name,
        "author_role": c.author_role.value,
        "body": c.body,
        "created_at": c.created_at,
        "moderation": c.moderation,
        "moderation_reason": c.moderation_reason,
        "moderated_at": c.moderated_at,
    }


def comment_from_doc(d: Doc) -> Comment:
    return Comment(
        id=d["_id"],
        item_id=d["item_id"],
        agency=d["agency"],
        author_account=d["author_account"],
        author_name=d.get("author_name", ""),
        author_role=ActorRole(d["author_role"]),
        body=d["body"],
        created_at=d["created_at"],
        parent_id=d.get("parent_id"),
        reply_to=d.get("reply_to"),
        moderation=d.get("moderation", moderation.VISIBLE),
        moderation_reason=d.get("moderation_reason"),
        moderated_at=d.get("moderated_at"),
    )


class CommunityRepository:
    def __init__(self, store: Store) -> None:
        self.db = store.db
        self.comments_listing = Listing(self.db.comments, lambda: store.clock.now())

    async def ensure_indexes(self) -> None:
        await self.db.comments.create_index([("item_id", ASCENDING), ("depth", ASCENDING), *LATEST_KEYS])
        await self.db.comments.create_index([("parent_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)])
        await self.db.follows.create_index([("account_id", ASCENDING), ("at", DESCENDING)])

    # --- comments ---

    async def insert_comment(self, tx: Tx, c: Comment) -> None:
        await self.db.comments.insert_one(comment_to_doc(c), session=tx.session)

    async def comment(self, comment_id: str, session: AsyncClientSession | None = None) -> Comment | None:
        doc = await self.db.comments.find_one({"_id": comment_id}, session=session)
        return comment_from_doc(doc) if doc else None

    async def set_comment_moderation(self, tx: Tx, c: Comment) -> None:
        await self.db.comments.update_one(
            {"_id": c.id},
            {
                "$set": {
                    "moderation": c.moderation,
                    "moderation_reason": c.moderation_reason,
                    "moderated_at": c.moderated_at,
                }
            },
            session=tx.session,
        )

    async def thread_page(self, item_id: str, after: Cursor | None, limit: int) -> tuple[list[Comment], Cursor | None]:
        """Top-level comments, newest first: limit + 1 of them (to tell whether more follow), and
        where to go on from when the page came back short."""
        spec = ListSpec({"item_id": item_id, "depth": 0}, "latest", limit, after)
        page = await self.comments_listing.page(spec)
        return [comment_from_doc(d) for d in page.docs], page.resume

    async def replies(self, parent_ids: list[str]) -> list[Comment]:
        """The replies under these comments, oldest first within each thread."""
        if not parent_ids:
            return []
        cur = self.db.comments.find({"parent_id": {"$in": parent_ids}})
        docs = await cur.sort([("parent_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]).to_list(
            REPLIES_MAX
        )
        return [comment_from_doc(d) for d in docs]

    # --- follows ---

    async def follow(self, tx: Tx, item_id: str, account_id: str, agency: str) -> bool:
        """True when this is a new follow."""
        res = await self.db.follows.update_one(
            {"_id": f"{item_id}:{account_id}"},
            {"$setOnInsert": {"item_id": item_id, "account_id": account_id, "agency": agency, "at": tx.now}},
            upsert=True,
            session=tx.session,
        )
        return res.upserted_id is not None

    async def unfollow(self, tx: Tx, item_id: str, account_id: str) -> bool:
        res = await self.db.follows.delete_one({"_id": f"{item_id}:{account_id}"}, session=tx.session)
        return res.deleted_count == 1

    async def following(self, item_id: str, account_id: str) -> bool:
        return await self.db.follows.find_one({"_id": f"{item_id}:{account_id}"}, {"_id": 1}) is not None

    # --- reports ---

    async def add_flag(self, tx: Tx, flag: Doc) -> bool:
        """Record a report once per (target, account); False when this account already reported it."""
        key = f"{flag['target_type']}:{flag['target_id']}:{flag['account_id']}"
        # Look first: a duplicate-key error would abort the whole transaction on the server.
        if await self.db.flags.find_one({"_id": key}, {"_id": 1}, session=tx.session):
            return False
        await self.db.flags.insert_one({"_id": key, **flag, "at": tx.now}, session=tx.session)
        return True

    async def flagged(self, target_type: str, target_id: str, account_id: str) -> bool:
        key = f"{target_type}:{target_id}:{account_id}"
        return await self.db.flags.find_one({"_id": key}, {"_id": 1}) is not None
