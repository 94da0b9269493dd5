"""MongoDB persistence of moderation: the operators' queue (`moderation_queue`, one entry per
reported or suspected target) and the append-only audit log (`audit_log`): entries are only ever
inserted, never updated or deleted. What an act changes on the proposal itself is written by
adapters/repository.py; on a comment, by adapters/community.py."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from gongnon_chassis.collections import update_then_read
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from proposal_svc.domain import moderation
from proposal_svc.domain.moderation import OPEN, RESOLVED, WATCH, Target

Doc = dict[str, Any]


class ModerationRepository:
    def __init__(self, store: Store) -> None:
        self.db = store.db

    async def ensure_indexes(self) -> None:
        await self.db.moderation_queue.create_index(
            [("agency", ASCENDING), ("status", ASCENDING), ("opened_at", ASCENDING), ("_id", ASCENDING)]
        )
        await self.db.audit_log.create_index(
            [("agency", ASCENDING), ("target_id", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)]
        )

    # --- the queue ---

    async def note_flag(self, tx: Tx, t: Target, reason: str) -> Doc:
        """Count one more report; the entry opens when the reports since the last review reach the
        threshold. Returns the entry."""
        entry = await update_then_read(
            self.db.moderation_queue,
            {"_id": t.key},
            {
                "$inc": {"flag_count": 1, "pending_flags": 1, f"flag_reasons.{reason}": 1},
                "$set": {"updated_at": tx.now},
                "$setOnInsert": self._fresh(t, tx),
            },
            upsert=True,
            session=tx.session,
        )
        assert entry is not None  # upserted
        return await self._open_if_due(tx, entry)

    async def note_suspicion(self, tx: Tx, t: Target, codes: list[str]) -> Doc:
        """The automatic check found something: put the target in the queue with the reasons."""
        entry = await update_then_read(
            self.db.moderation_queue,
            {"_id": t.key},
            {
                "$addToSet": {"suspicion": {"$each": codes}},
                "$set": {"updated_at": tx.now},
                "$setOnInsert": self._fresh(t, tx, suspicion=False),
            },
            upsert=True,
            session=tx.session,
        )
        assert entry is not None  # upserted
        return await self._open_if_due(tx, entry, force=True)

    @staticmethod
    def _fresh(t: Target, tx: Tx, suspicion: bool = True) -> Doc:
        doc: Doc = {
            "target_type": t.type,
            "target_id": t.id,
            "item_id": t.item_id,
            "agency": t.agency,
            "author_account": t.author_account,
            "status": WATCH,
            "created_at": tx.now,
            "opened_at": None,
        }
        if suspicion:  # $addToSet writes it otherwise (one path may not be set twice)
            doc["suspicion"] = []
        return doc

    async def _open_if_due(self, tx: Tx, entry: Doc, force: bool = False) -> Doc:
        due = force or moderation.needs_review(entry.get("pending_flags", 0), [])
        if entry["status"] == OPEN or not due:
            return entry
        opened = await update_then_read(
            self.db.moderation_queue,
            {"_id": entry["_id"]},
            {"$set": {"status": OPEN, "opened_at": tx.now}},
            session=tx.session,
        )
        return dict(opened or entry)

    async def entry(self, t: Target, session: Any = None) -> Doc | None:
        return await self.db.moderation_queue.find_one({"_id": t.key}, session=session)

    async def resolve(self, tx: Tx, t: Target, action: str, reason: str, by: str) -> None:
        """An operator acted on the target: it leaves the queue and its reports start over."""
        await self.db.moderation_queue.update_one(
            {"_id": t.key},
            {
                "$set": {
                    "status": RESOLVED,
                    "pending_flags": 0,
                    "suspicion": [],
                    "resolved_at": tx.now,
                    "resolution": {"action": action, "reason": reason, "by": by, "at": tx.now},
                    "updated_at": tx.now,
                }
            },
            session=tx.session,
        )

    async def open_entries(self, agency: str, limit: int) -> list[Doc]:
        """The queue of one agency, oldest first."""
        cur = self.db.moderation_queue.find({"agency": agency, "status": OPEN})
        cur = cur.sort([("opened_at", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return await cur.to_list(limit)

    # --- the audit log (append only) ---

    async def audit(self, tx: Tx, entry: Doc) -> str:
        audit_id = new_id("au_")
        await self.db.audit_log.insert_one({"_id": audit_id, **entry, "at": tx.now}, session=tx.session)
        return audit_id

    async def audit_for(self, agency: str, target_id: str, limit: int) -> list[Doc]:
        cur = self.db.audit_log.find({"agency": agency, "target_id": target_id})
        cur = cur.sort([("at", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return await cur.to_list(limit)
