"""The HTTP API (called by the gateway only). Thin: validate, authorize, call a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from gongnon_chassis.actor import Actor, CurrentActor, OptionalActor
from gongnon_chassis.errors import Forbidden, Invalid, NotFound
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS
from gongnon_contracts.rulesets import RuleSetChoice
from proposal_svc import browse, handlers, moderating, views
from proposal_svc.access import can_see_proposal
from proposal_svc.adapters.listing import Listing
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.community_views import proposal_standing
from proposal_svc.domain.moderation import HIDDEN_PROPOSAL_TEXT, VISIBLE
from proposal_svc.domain.presets import PRESETS
from proposal_svc.domain.proposal import (
    BODY_MAX,
    BODY_MIN,
    HASHTAG_LEN_MAX,
    HASHTAGS_MAX,
    TITLE_MAX,
    TITLE_MIN,
    Proposal,
    normalize_hashtags,
)
from proposal_svc.domain.rules import RuleError, RuleSet, rule_set_to_dict
from proposal_svc.page_cache import PageCache

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=TITLE_MIN, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=BODY_MIN, max_length=BODY_MAX)]
Hashtag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=HASHTAG_LEN_MAX)]
AgencyId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body
    category: str = Field(description="A key of POLICY_CATEGORIES (정책분류)")
    district: str | None = Field(None, description="A key of SEOUL_DISTRICTS (자치구), or null for city-wide")
    hashtags: list[Hashtag] = Field(default_factory=list, max_length=HASHTAGS_MAX)
    agency: str | None = Field(None, pattern=browse.AGENCY_PATTERN, description="The agency it is filed under")

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in POLICY_CATEGORIES:
            raise ValueError(f"unknown category; one of {', '.join(POLICY_CATEGORIES)}")
        return v

    @field_validator("district")
    @classmethod
    def _known_district(cls, v: str | None) -> str | None:
        if v is not None and v not in SEOUL_DISTRICTS:
            raise ValueError("unknown district; one of the 25 자치구 keys or null")
        return v

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return normalize_hashtags(v)


def proposer(actor: CurrentActor) -> Actor:
    """Proposals come from verified citizens (one identity) or from operators on an agency's behalf."""
    if actor.role == ActorRole.CITIZEN:
        if not actor.verified:
            raise Forbidden("verify your identity (본인인증) before proposing", code="verification_required")
        return actor
    actor.require(ActorRole.OPERATOR)
    return actor


def in_space(author: Actor, agency: str | None) -> Actor:
    """The author acting in the agency's space the proposal is filed under (the gateway checked
    that it is registered and open): a citizen chooses any; staff file under their own only."""
    if agency is None or agency == author.agency:
        return author
    if author.role not in (ActorRole.CITIZEN, ActorRole.SUPER_ADMIN):
        raise Forbidden("staff file proposals under their own agency", code="other_agency")
    return author.model_copy(update={"agency": agency})


def agency_admin(agency: AgencyId, actor: CurrentActor) -> Actor:
    actor.require(ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN)
    if actor.role != ActorRole.SUPER_ADMIN and actor.agency != agency:
        raise Forbidden("you administer another agency", code="other_agency")
    return actor


def build_router(
    rt: Runtime,
    repo: ProposalRepository,
    pages: PageCache,
    on_submitted: Callable[[Proposal], Awaitable[None]] | None = None,
) -> APIRouter:
    router = APIRouter(tags=["proposals"])
    listing = Listing(rt.db.proposals, lambda: rt.clock.now())
    mod = ModerationRepository(rt.store)

    @router.post("/proposals", status_code=201)
    async def submit(body: ProposalIn, author: Annotated[Actor, Depends(proposer)]) -> dict[str, Any]:
        space = in_space(author, body.agency)

        async def tx_fn(tx: Tx) -> Proposal:
            p = await handlers.submit(
                repo, tx, space, body.title, body.body, body.category, body.district, body.hashtags
            )
            await moderating.auto_check(mod, tx, moderating.proposal_target(p), f"{p.title}\n{p.body}")
            return p

        p = await rt.store.transaction(tx_fn)
        if on_submitted:  # after the commit: e.g. the similar-proposal index learns of it
            await on_submitted(p)
        return views.detail(p, rt.clock.now())

    @router.get("/proposals")
    async def list_proposals(
        actor: OptionalActor,
        sort: Literal["latest", "popular"] = "latest",
        category: str | None = None,
        district: str | None = None,
        stage: str | None = None,
        hashtag: Annotated[str | None, Query(max_length=HASHTAG_LEN_MAX + 1)] = None,
        agency: Annotated[str | None, Query(pattern=browse.AGENCY_PATTERN)] = None,
        q: Annotated[str | None, Query(max_length=100, description="Words of the title (제목 검색)")] = None,
        status: Annotated[str | None, Query(description="An admin status tab (operators)")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")] = None,
    ) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            return await browse.list_page(
                listing,
                rt.cursors,
                actor,
                sort=sort,
                category=category,
                district=district,
                stage=stage,
                hashtag=hashtag,
                agency=agency,
                q=q,
                status=status,
                limit=limit,
                cursor=cursor,
            )

        if pages.enabled and actor is None and status is None:
            key = (sort, category, district, stage, hashtag, agency, q, limit, cursor)
            return dict(await pages.get(key, read))
        return await read()

    async def _visible(item_id: str, actor: Actor | None) -> Proposal:
        p = await repo.get(item_id)
        # Unlisted items (still gathering pre-agreements) are reachable by their link; private ones are
        # not, and hidden or trashed ones only as a placeholder — except to their author and moderators.
        if p is None or not can_see_proposal(p, actor):
            if p is not None and p.moderation != VISIBLE and p.visibility == "public":
                raise NotFound(
                    HIDDEN_PROPOSAL_TEXT, code="proposal_hidden", details={"placeholder": HIDDEN_PROPOSAL_TEXT}
                )
            raise NotFound("no such proposal", code="proposal_not_found")
        return p

    @router.get("/proposals/{item_id}")
    async def get_proposal(item_id: str, actor: OptionalActor) -> dict[str, Any]:
        p = await _visible(item_id, actor)
        return {**views.detail(p, rt.clock.now()), **proposal_standing(p, actor)}

    @router.get("/proposals/{item_id}/timeline")
    async def get_timeline(item_id: str, actor: OptionalActor) -> dict[str, Any]:
        p = await repo.get(item_id)
        # A hidden item's timeline stays public: it is where the moderation and its reason are shown.
        if p is None or not (p.visibility == "public" or can_see_proposal(p, actor)):
            raise NotFound("no such proposal", code="proposal_not_found")
        return {"items": [views.timeline_entry(d) for d in await repo.timeline(item_id)]}

    @router.get("/meta")
    async def meta() -> dict[str, Any]:
        return views.meta()

    @router.get("/rulesets/{ruleset_id}")
    async def get_ruleset(ruleset_id: str) -> dict[str, Any]:
        rs = PRESETS.get(ruleset_id)
        if rs is None:
            raise NotFound("no such rule set", code="ruleset_not_found")
        return rule_set_to_dict(rs)

    @router.get("/agencies/{agency}/ruleset")
    async def get_agency_ruleset(agency: AgencyId) -> dict[str, Any]:
        return rule_set_to_dict(await handlers.active_rule_set(repo, agency))

    @router.put("/agencies/{agency}/ruleset")
    async def put_agency_ruleset(
        agency: AgencyId, choice: RuleSetChoice, admin: Annotated[Actor, Depends(agency_admin)]
    ) -> dict[str, Any]:
        if choice.preset is not None and choice.preset not in PRESETS:
            raise Invalid("unknown preset", code="unknown_preset", details={"allowed": list(PRESETS)})

        async def tx_fn(tx: Tx) -> RuleSet:
            try:
                return await handlers.choose_rule_set(repo, tx, agency, choice, admin.account_id)
            except RuleError as exc:
                raise Invalid(str(exc), code="invalid_rule_set") from exc

        # Items already open keep the rule set they opened under; only new items use this one.
        return rule_set_to_dict(await rt.store.transaction(tx_fn))

    @router.get("/agencies/{agency}/ruleset/versions")
    async def agency_ruleset_versions(
        agency: AgencyId, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> dict[str, Any]:
        """Every rule set the agency has chosen, newest first (own rules in full)."""
        docs = await repo.agency_ruleset_versions(agency, limit)
        return {
            "items": [
                {
                    "version": d["version"],
                    "preset": d.get("preset"),
                    "census": d.get("census"),
                    "rule_set": d.get("own"),
                    "at": d["at"].isoformat() if hasattr(d["at"], "isoformat") else d["at"],
                }
                for d in docs
            ]
        }

    return router
