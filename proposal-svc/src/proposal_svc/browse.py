"""The proposal lists as the HTTP API serves them: validate the filters, choose the index the
query rides (adapters/listing.py), render the cards and the next cursor."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.cursors import REFUSED, CursorSigner
from gongnon_chassis.errors import Forbidden, Invalid, InvalidCursor
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS, STAGES
from proposal_svc import views
from proposal_svc.access import is_moderator
from proposal_svc.adapters.listing import Listing, admin_spec, cursor_of, public_spec
from proposal_svc.adapters.repository import from_doc
from proposal_svc.domain.listing import BadCursor, Cursor, cursor_fields, cursor_from_fields
from proposal_svc.domain.proposal import STATUSES, normalize_hashtags
from proposal_svc.domain.search import parse_query

AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
SCOPE = "proposals"  # the lists' cursors are good for these lists only (any filters, one order)


def seal(cursors: CursorSigner, scope: str, c: Cursor) -> str:
    return cursors.seal_fields(scope, cursor_fields(c))


def unseal(cursors: CursorSigner, scope: str, text: str, sort: str) -> Cursor:
    """The position a cursor this service issued for `scope` holds; 400 `invalid_cursor` otherwise."""
    try:
        return cursor_from_fields(cursors.open_fields(scope, text), sort)
    except BadCursor as exc:
        raise InvalidCursor(REFUSED, details={"reason": str(exc)}) from exc


def _check(name: str, value: str | None, allowed: Any) -> None:
    if value is not None and value not in allowed:
        raise Invalid(f"unknown {name}", code=f"unknown_{name}", details={"allowed": list(allowed)})


async def list_page(
    listing: Listing,
    cursors: CursorSigner,
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
) -> dict[str, Any]:
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
            return {"items": [], "next_cursor": None}
    after = unseal(cursors, SCOPE, cursor, sort) if cursor else None
    if status is None:
        spec = public_spec(filters, search, sort, limit, after)
    else:
        # The admin console's status tabs (공개 / 비공개 / 투표실패 / 휴지통 …): moderators of the agency.
        space = agency or (actor.agency if actor else "")
        if actor is None or not is_moderator(actor, space):
            raise Forbidden("status lists are for the agency's operators", code="operators_only")
        spec = admin_spec(status, space, filters, search, sort, limit, after)
    page = await listing.page(spec)
    shown = page.docs[:limit]
    if len(page.docs) > limit:
        next_cursor: str | None = seal(cursors, SCOPE, cursor_of(sort, shown[-1]))
    else:  # a short page may still have more after it when the request ran out of work
        next_cursor = seal(cursors, SCOPE, page.resume) if page.resume else None
    now = listing.now()
    cards = []
    for d in shown:
        p = from_doc(d)
        card = views.card(p, now)
        if status is not None:
            card["status"] = p.status
        cards.append(card)
    return {"items": cards, "next_cursor": next_cursor}
