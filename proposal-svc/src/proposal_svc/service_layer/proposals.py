"""Proposals (시민제안): submitting one under the agency's active rule set, and reading one and
its public timeline as the viewer may see them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_contracts.events import ProposalSubmitted
from gongnon_contracts.refusals import NotFound
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import timeline
from proposal_svc.domain.access import can_see_proposal
from proposal_svc.domain.moderation import HIDDEN_PROPOSAL_TEXT, VISIBLE
from proposal_svc.domain.proposal import Proposal
from proposal_svc.service_layer.moderation import ModerationService, proposal_target
from proposal_svc.service_layer.rulesets import RuleSetService

OnSubmitted = Callable[[Proposal], Awaitable[None]]


@dataclass
class ProposalService:
    store: Store
    proposals: ProposalRepository
    rulesets: RuleSetService
    moderation: ModerationService
    # After the commit: e.g. the similar-proposal index learns of it (another replica does not
    # call this one's; it catches up).
    on_submitted: OnSubmitted | None = None

    async def submit(
        self, author: Actor, title: str, body: str, category: str, district: str | None, hashtags: list[str]
    ) -> Proposal:
        """A proposal under the author's agency's active rule set; suspicious text is queued for
        an operator (it stays visible meanwhile)."""

        async def record(tx: Tx) -> Proposal:
            rule_set = await self.rulesets.active(author.agency, tx)
            p = Proposal(
                id=new_id("pr_"),
                agency=author.agency,
                title=title,
                body=body,
                category=category,
                district=district,
                hashtags=hashtags,
                author_account=author.account_id,
                author_name=author.display_name,
                author_role=author.role,
                created_at=tx.now,
                rule_set=rule_set,
                listed=rule_set.listed_on_submit,
            )
            await self.proposals.insert(tx, p, timeline.submitted(p))
            tx.emit(
                ProposalSubmitted(
                    item_id=p.id,
                    title=p.title,
                    category=p.category,
                    district=p.district,
                    author_account=p.author_account,
                    author_role=p.author_role,
                    author_name=p.author_name,
                    rule_set_id=rule_set.id,
                    listed=p.listed,
                ),
                agency=p.agency,
            )
            await self.moderation.auto_check(tx, proposal_target(p), f"{p.title}\n{p.body}")
            return p

        p = await self.store.transaction(record)
        if self.on_submitted:
            await self.on_submitted(p)
        return p

    async def shown(self, item_id: str, viewer: Actor | None) -> Proposal:
        """The item page. Unlisted items (still gathering pre-agreements) are reachable by their
        link; private ones are not, and hidden or trashed ones only as a placeholder — except to
        their author and moderators."""
        p = await self.proposals.get(item_id)
        if p is None or not can_see_proposal(p, viewer):
            if p is not None and p.moderation != VISIBLE and p.visibility == "public":
                raise NotFound(
                    HIDDEN_PROPOSAL_TEXT, code="proposal_hidden", details={"placeholder": HIDDEN_PROPOSAL_TEXT}
                )
            raise NotFound("no such proposal", code="proposal_not_found")
        return p

    async def timeline(self, item_id: str, viewer: Actor | None) -> list[dict[str, Any]]:
        p = await self.proposals.get(item_id)
        # A hidden item's timeline stays public: it is where the moderation and its reason are shown.
        if p is None or not (p.visibility == "public" or can_see_proposal(p, viewer)):
            raise NotFound("no such proposal", code="proposal_not_found")
        return await self.proposals.timeline(item_id)
