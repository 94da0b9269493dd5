"""The proposal lists (the read side): check the filters, choose the index the query rides
(adapters/listing.py), read a page and where the next one starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.cursors import CursorSigner
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS, STAGES
from gongnon_contracts.refusals import Forbidden, Invalid
from proposal_svc.adapters.listing import Listing, admin_spec, cursor_of, public_spec
from proposal_svc.adapters.live_counts import LiveCounts
from proposal_svc.adapters.repository import from_doc
from proposal_svc.domain.access import is_moderator
from proposal_svc.domain.admin_filters import AdminFilters
from proposal_svc.domain.proposal import STATUSES, Proposal, normalize_hashtags
from proposal_svc.domain.search import parse_query
from proposal_svc.service_layer.pages import Page, seal, unseal

SCOPE = "proposals"  # the lists' cursors are good for these lists only (any filters, one order)


def _check(name: str, value: str | None, allowed: Any) -> None:
    if value is not None and value not in allowed:
        raise Invalid(f"unknown {name}", code=f"unknown_{name}", details={"allowed": list(allowed)})


@dataclass
class ProposalLists:
    listing: Listing
    live: LiveCounts
    cursors: CursorSigner

    async def page(
        self,
        actor: Actor | None,
        *,
        sort: str,
        category: str | None,
        district: str | None,
        stage: str | None,
        hashtag: str | None,
        agency: str | None,
        q: str | None,
        status: str | None,
        limit: int,
        cursor: str | None,
        narrowing: AdminFilters | None = None,
    ) -> Page[Proposal]:
        """A public list, or (status) an admin console's status tab for the agency's moderators."""
        _check("category", category, POLICY_CATEGORIES)
        _check("district", district, SEOUL_DISTRICTS)
        _check("stage", stage, STAGES)
        _check("status", status, STATUSES)
        filters = {k: v for k, v in (("category", category), ("district", district), ("stage", stage)) if v}
        if hashtag is not None:
            tags = normalize_hashtags([hashtag])
            if not tags:
                raise Invalid("the hashtag is empty", code="invalid_hashtag")
            filters["hashtags"] = tags[0]
        if agency:
            filters["agency"] = agency
        search = None
        if q is not None and q.strip():
            search = parse_query(q)
            if search is None:  # nothing searchable in it (punctuation only): nothing matches
                return Page([], None, self.listing.now())
        after = unseal(self.cursors, SCOPE, cursor, sort) if cursor else None
        if narrowing is not None and not narrowing.empty and status is None:
            raise Invalid("dates, departments and support minimums filter the admin tabs (status)", code="needs_status")
        if status is None:
            spec = public_spec(filters, search, sort, limit, after)
        else:
            # The admin console's status tabs (공개 / 비공개 / 투표실패 / 휴지통 …): moderators of the agency.
            space = agency or (actor.agency if actor else "")
            if actor is None or not is_moderator(actor, space):
                raise Forbidden("status lists are for the agency's operators", code="operators_only")
            spec = admin_spec(status, space, filters, search, sort, limit, after, narrowing)
        found = await self.listing.page(spec)
        shown = found.docs[:limit]
        if len(found.docs) > limit:
            next_cursor: str | None = seal(self.cursors, SCOPE, cursor_of(sort, shown[-1]))
        else:  # a short page may still have more after it when the request ran out of work
            next_cursor = seal(self.cursors, SCOPE, found.resume) if found.resume else None
        # The page shows live counts; it is ordered, and its cursor made, by the folded ones.
        await self.live.overlay(shown)
        return Page([from_doc(d) for d in shown], next_cursor, self.listing.now())
