"""MongoDB persistence for proposals, their timelines and each agency's active rule set.

The one writer of the proposal documents (`proposals`): what happens to a proposal — rules,
reviews, the author's edit or withdrawal, moderation — is written here and nowhere else.

Every write that records something happening (a rule firing, expiring, the item closing, the
author's edit) is a conditional update, so it lands once even if two transactions race for it;
it numbers the item's timeline entries in the same update (adapters/timelines.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.collections import ensure_collections, find_by_ids
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events.common import ActorRole, Metric
from proposal_svc.adapters.listing import index_keys
from proposal_svc.adapters.live_counts import LiveCounts
from proposal_svc.adapters.timelines import NumberedTimeline
from proposal_svc.domain.authoring import edited_fields
from proposal_svc.domain.moderation import VISIBLE
from proposal_svc.domain.proposal import Proposal, milestone_record
from proposal_svc.domain.rules import Expiry, Firing, RuleState, RuleView, rule_set_from_dict, rule_set_to_dict
from proposal_svc.domain.search import title_tokens
from proposal_svc.domain.timeline import TimelineEntry

Doc = dict[str, Any]

DEADLINE_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)  # before any deadline on the platform
METRIC_FIELDS = {Metric.SUPPORTS: "support_count", Metric.DEBATE_PARTICIPANTS: "debate_participants"}
RULE_VIEW_FIELDS = dict.fromkeys(("rule_set", "created_at", "fired_rule_ids", "expired_rule_ids", "closed_at"), 1)


def list_indexes() -> list[list[tuple[str, int]]]:
    """The indexes of the public lists, search and the admin tabs (see adapters/listing.py)."""
    return index_keys()


def to_doc(p: Proposal) -> Doc:
    return {
        "_id": p.id,
        "agency": p.agency,
        "title": p.title,
        "body": p.body,
        "category": p.category,
        "district": p.district,
        "hashtags": p.hashtags,
        "author_account": p.author_account,
        "author_name": p.author_name,
        "author_role": p.author_role.value,
        "created_at": p.created_at,
        "rule_set_id": p.rule_set.id,
        "rule_set_version": p.rule_set.version,
        "rule_set": rule_set_to_dict(p.rule_set),
        "visibility": p.visibility,
        "support_count": p.support_count,
        "debate_participants": p.debate_participants,
        "fired_rule_ids": p.fired,
        "expired_rule_ids": p.expired,
        "milestones": p.milestones,
        "expirations": [],
        "cases": p.cases,
        "timeline_seq": 0,  # see adapters/timelines.py
        "title_tokens": title_tokens(p.title),
        "moderation": p.moderation,
        "moderation_reason": p.moderation_reason,
        "moderated_at": p.moderated_at,
        "withdrawn_at": p.withdrawn_at,
        "edited_at": p.edited_at,
        **derived(p),
    }


def derived(p: Proposal) -> Doc:
    """Fields computed from the rest, stored so that lists and the expiry scan can use indexes."""
    return {
        "listed": p.listed,
        "browsable": p.browsable,
        "status": p.status,
        "stage": p.stage,
        "closed_at": p.closed_at,
        "next_deadline_at": p.next_deadline,
    }


def from_doc(d: Doc) -> Proposal:
    return Proposal(
        id=d["_id"],
        agency=d["agency"],
        title=d["title"],
        body=d["body"],
        category=d["category"],
        district=d.get("district"),
        hashtags=list(d.get("hashtags") or []),
        author_account=d["author_account"],
        author_name=d.get("author_name", ""),
        author_role=ActorRole(d["author_role"]),
        created_at=d["created_at"],
        rule_set=rule_set_from_dict(d["rule_set"]),
        listed=d["listed"],
        visibility=d.get("visibility", "public"),
        support_count=d.get("support_count", 0),
        debate_participants=d.get("debate_participants", 0),
        fired=list(d.get("fired_rule_ids") or []),
        expired=list(d.get("expired_rule_ids") or []),
        milestones=list(d.get("milestones") or []),
        cases=dict(d.get("cases") or {}),
        closed_at=d.get("closed_at"),
        moderation=d.get("moderation", VISIBLE),
        moderation_reason=d.get("moderation_reason"),
        moderated_at=d.get("moderated_at"),
        decision_vote=d.get("decision_vote"),
        civic=d.get("civic"),
        withdrawn_at=d.get("withdrawn_at"),
        edited_at=d.get("edited_at"),
    )


class ProposalRepository:
    def __init__(self, store: Store) -> None:
        self.db = store.db
        self._timeline = NumberedTimeline(self.db.proposals, self.db.timeline)
        # Counts rise apart from the document and are added to it on every read (live_counts.py).
        self.live = LiveCounts(self.db)

    async def ensure_indexes(self) -> None:
        for keys in list_indexes():
            await self.db.proposals.create_index(keys)
        await self.db.proposals.create_index([("next_deadline_at", ASCENDING)])
        # The similar-proposal hints catch up with what was created or edited (similar_store.py).
        await self.db.proposals.create_index([("created_at", ASCENDING)])
        # Open data: published items in id order, and those changed since a moment.
        await self.db.proposals.create_index([("status", ASCENDING), ("_id", ASCENDING)])
        await self.db.proposals.create_index([("updated_at", ASCENDING)])
        await self.db.proposals.create_index([("edited_at", ASCENDING)])
        await self._timeline.ensure_indexes()
        await ensure_collections(self.db, "live_counts")  # written inside firing transactions

    # --- reading ---

    async def get(self, item_id: str, session: AsyncClientSession | None = None) -> Proposal | None:
        doc = await self.db.proposals.find_one({"_id": item_id}, session=session)
        if doc is None:
            return None
        await self.live.overlay([doc], session)
        return from_doc(doc)

    async def get_many(
        self, item_ids: Collection[str], session: AsyncClientSession | None = None
    ) -> dict[str, Proposal]:
        """The proposals among these ids (others own the rest), by id: `$in` reads of a bounded
        size (a batch of tallies names hundreds of items)."""
        docs = await find_by_ids(self.db.proposals, item_ids, session=session)
        await self.live.overlay(docs, session)
        return {d["_id"]: from_doc(d) for d in docs}

    async def rule_views(self, item_ids: Collection[str]) -> dict[str, RuleView]:
        """What the rules engine needs of the proposals among these ids (the rest: not ours), read
        with a projection: a batch of tallies names hundreds of items, and whole documents (body,
        tokens, timeline numbers, cases) were most of what those reads moved."""
        return {
            d["_id"]: RuleView(
                rule_set_from_dict(d["rule_set"]),
                RuleState(
                    d["created_at"],
                    frozenset(d.get("fired_rule_ids") or ()),
                    frozenset(d.get("expired_rule_ids") or ()),
                    d.get("closed_at"),
                ),
            )
            for d in await find_by_ids(self.db.proposals, item_ids, RULE_VIEW_FIELDS)
        }

    async def due(self, before: datetime, limit: int = 100) -> list[str]:
        # The lower bound keeps items without a deadline (null) out of the index range: SecantusDB
        # reads `$lt` from the very start of the index, nulls included, so without it every scan
        # fetched every open-ended item (100,000 of them: seconds of database time per pass).
        cur = self.db.proposals.find({"next_deadline_at": {"$gte": DEADLINE_FLOOR, "$lt": before}}, {"_id": 1})
        docs = await cur.sort("next_deadline_at", ASCENDING).limit(limit).to_list(limit)
        return [d["_id"] for d in docs]

    async def timeline(self, item_id: str, limit: int = 1000) -> list[Doc]:
        return await self._timeline.read(item_id, limit)

    # --- submitting ---

    async def insert(self, tx: Tx, p: Proposal, entry: TimelineEntry) -> None:
        await self._timeline.first(tx, to_doc(p), [entry])

    # --- counts and rules ---

    async def raise_metrics(
        self, highest: Mapping[tuple[str, Metric], int], session: AsyncClientSession | None = None
    ) -> None:
        """Raise many (item, metric) counts, outside any transaction (a session: inside the
        caller's). Absolute counts under `$max` are the same applied once or twice, in any order;
        they rise in live_counts, not in the proposals' documents (see live_counts.py)."""
        await self.live.raise_many({(i, METRIC_FIELDS[m]): v for (i, m), v in highest.items()}, session)

    async def lower_metrics(self, values: Mapping[tuple[str, Metric], int]) -> None:
        """Set (item, metric) counts a recount repaired, even lower ones (see LiveCounts.lower_many)."""
        if values:
            await self.live.lower_many({(i, METRIC_FIELDS[m]): v for (i, m), v in values.items()})

    async def record_firing(self, tx: Tx, p: Proposal, f: Firing, entries: Sequence[TimelineEntry]) -> bool:
        """Record a fired rule once, with its timeline entries: a rule already fired or expired is
        never recorded again (False, nothing written)."""
        rid = f.rule.id
        return await self._timeline.record(
            tx,
            {"_id": p.id, "fired_rule_ids": {"$ne": rid}, "expired_rule_ids": {"$ne": rid}},
            {
                "$push": {"fired_rule_ids": rid, "milestones": milestone_record(f)},
                "$set": {**derived(p), "updated_at": tx.now},
            },
            entries,
        )

    async def record_decision_opened(self, tx: Tx, item_id: str, vote: Doc, entry: TimelineEntry) -> bool:
        """The decision vote opened, once, with its timeline entry (False when recorded already)."""
        return await self._timeline.record(
            tx,
            {"_id": item_id, "decision_vote": None},  # matches a missing field too
            {"$set": {"decision_vote": vote, "updated_at": tx.now}},
            [entry],
        )

    async def published(
        self, statuses: Sequence[str], since: datetime | None, after: str | None, limit: int
    ) -> list[tuple[Proposal, datetime | None]]:
        """Open data: listed items in these statuses, in id order after `after`; with `since`,
        only those changed (or created) since then. Each with its last change's time."""
        query: Doc = {"status": {"$in": list(statuses)}, "listed": True}
        if after:
            query["_id"] = {"$gt": after}
        if since is not None:
            query["$or"] = [{"updated_at": {"$gte": since}}, {"created_at": {"$gte": since}}]
        docs = await self.db.proposals.find(query).sort("_id", ASCENDING).limit(limit).to_list(limit)
        return [(from_doc(d), d.get("updated_at")) for d in docs]

    async def record_civic(self, tx: Tx, item_id: str, fields: Doc, entry: TimelineEntry) -> bool:
        """A committee or execution step: its fields on the item's `civic` record and its timeline
        entry (False when the item is not ours). The consumer's inbox keeps a delivery to once;
        progress only rises, so a late milestone cannot lower what a later one set."""
        sets = {f"civic.{k}": v for k, v in fields.items() if k != "progress_pct"}
        update: Doc = {"$set": {**sets, "updated_at": tx.now}}
        if "progress_pct" in fields:
            update["$max"] = {"civic.progress_pct": fields["progress_pct"]}
        return await self._timeline.record(tx, {"_id": item_id}, update, [entry])

    async def record_decision(self, tx: Tx, item_id: str, result: Doc, entry: TimelineEntry) -> bool:
        """Record a decision vote's result once, with its timeline entry (False when recorded already)."""
        return await self._timeline.record(
            tx,
            {"_id": item_id, "decision_vote.passed": {"$exists": False}},
            # Field by field: what the opening recorded (opens_at) stays.
            {"$set": {**{f"decision_vote.{k}": v for k, v in result.items()}, "updated_at": tx.now}},
            [entry],
        )

    async def record_expiry(self, tx: Tx, p: Proposal, e: Expiry, value: int, entry: TimelineEntry) -> bool:
        rid = e.rule.id
        return await self._timeline.record(
            tx,
            {"_id": p.id, "fired_rule_ids": {"$ne": rid}, "expired_rule_ids": {"$ne": rid}},
            {
                "$push": {
                    "expired_rule_ids": rid,
                    "expirations": {"rule_id": rid, "threshold": e.threshold, "value": value, "at": e.deadline},
                },
                "$set": {**derived(p), "updated_at": tx.now},
            },
            [entry],
        )

    async def record_close(self, tx: Tx, p: Proposal, entry: TimelineEntry) -> bool:
        guard = {"_id": p.id, "closed_at": None}
        return await self._timeline.record(tx, guard, {"$set": {**derived(p), "updated_at": tx.now}}, [entry])

    async def save_derived(self, tx: Tx, p: Proposal) -> None:
        await self.db.proposals.update_one(
            {"_id": p.id}, {"$set": {**derived(p), "updated_at": tx.now}}, session=tx.session
        )

    # --- review-svc's cases (service_layer/review_progress.py) ---

    async def record_case(self, tx: Tx, p: Proposal, case_id: str, moved: bool, entry: TimelineEntry) -> None:
        """Show what happened to the case on the timeline; keep its new status when it moved on."""
        update = {"$set": {f"cases.{case_id}": p.cases[case_id], **derived(p), "updated_at": tx.now}} if moved else {}
        await self._timeline.record(tx, {"_id": p.id}, update, [entry])

    # --- the author's changes ---

    async def save_edit(self, tx: Tx, p: Proposal, entry: TimelineEntry) -> bool:
        """Write an edit unless a support arrived meanwhile (the lock is checked in the write too)."""
        return await self._timeline.record(
            tx,
            {"_id": p.id, "support_count": 0, "withdrawn_at": None},
            {"$set": {**edited_fields(p), **derived(p), "updated_at": tx.now}},
            [entry],
        )

    async def save_withdrawal(self, tx: Tx, p: Proposal, entry: TimelineEntry) -> bool:
        return await self._timeline.record(
            tx,
            {"_id": p.id, "withdrawn_at": None},
            {"$set": {"withdrawn_at": p.withdrawn_at, **derived(p), "updated_at": tx.now}},
            [entry],
        )

    # --- moderation ---

    async def save_moderation(self, tx: Tx, p: Proposal, entry: TimelineEntry) -> None:
        """An operator's act on the proposal (its state or visibility), shown on its timeline."""
        fields = {
            "moderation": p.moderation,
            "moderation_reason": p.moderation_reason,
            "moderated_at": p.moderated_at,
            "visibility": p.visibility,
        }
        update = {"$set": {**fields, **derived(p), "updated_at": tx.now}}
        await self._timeline.record(tx, {"_id": p.id}, update, [entry])

    # --- the timeline (what else happens to the item: a debate, a moderated comment) ---

    async def add_timeline(self, tx: Tx, *entries: TimelineEntry) -> None:
        await self._timeline.append(tx, *entries)

    # --- agencies ---

    async def agency_ruleset(self, agency: str, session: AsyncClientSession | None = None) -> Doc | None:
        return await self.db.agency_rulesets.find_one({"_id": agency}, session=session)

    async def set_agency_ruleset(
        self, tx: Tx, agency: str, preset: str | None, census: int | None, own: Doc | None, by: str
    ) -> int:
        """Record the agency's choice (a preset, or its own rules as a rule-set document) as its
        next version, and keep every version (`agency_ruleset_versions`): an item names the
        version it opened under, and anyone can read what that was. Returns the version."""
        current = await self.db.agency_rulesets.find_one({"_id": agency}, {"version": 1}, session=tx.session)
        version = int((current or {}).get("version", 0)) + 1
        choice = {"preset": preset, "census": census, "own": own, "version": version}
        await self.db.agency_rulesets.update_one(
            {"_id": agency},
            {"$set": {**choice, "updated_at": tx.now, "updated_by": by}},
            upsert=True,
            session=tx.session,
        )
        await self.db.agency_ruleset_versions.insert_one(
            {"_id": f"{agency}:{version}", "agency": agency, **choice, "at": tx.now, "by": by}, session=tx.session
        )
        return version

    async def agency_ruleset_versions(self, agency: str, limit: int) -> list[Doc]:
        # _id is "agency:version", so one agency's versions are an _id range (newest first).
        cursor = self.db.agency_ruleset_versions.find({"_id": {"$gt": f"{agency}:", "$lt": f"{agency};"}})
        docs = await cursor.to_list(None)
        docs.sort(key=lambda d: -int(d["version"]))
        return docs[:limit]
