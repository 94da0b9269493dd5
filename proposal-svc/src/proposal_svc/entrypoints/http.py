"""The proposals' HTTP API (called by the gateway only): submit, lists, the item page and its
timeline, reference data and rule sets. Thin: validate, call the service layer, shape the reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gongnon_chassis.actor import Actor, CurrentActor, OptionalActor
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.refusals import Forbidden
from gongnon_contracts.rulesets import RuleSetChoice
from proposal_svc.domain.admin_filters import SUPPORTS_MAX, AdminFilters
from proposal_svc.domain.proposal import HASHTAG_LEN_MAX, HASHTAGS_MAX, normalize_hashtags
from proposal_svc.domain.rules import rule_set_to_dict
from proposal_svc.entrypoints import views
from proposal_svc.entrypoints.community_views import proposal_standing
from proposal_svc.entrypoints.fields import AGENCY_PATTERN, AgencyId, Body, Category, District, Hashtag, Title
from proposal_svc.entrypoints.page_cache import PageCache
from proposal_svc.service_layer.browse import ProposalLists
from proposal_svc.service_layer.proposals import ProposalService
from proposal_svc.service_layer.rulesets import RuleSetService


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body
    category: Category = Field(description="A key of POLICY_CATEGORIES (정책분류)")
    district: District | None = Field(None, description="A key of SEOUL_DISTRICTS (자치구), or null for city-wide")
    hashtags: list[Hashtag] = Field(default_factory=list, max_length=HASHTAGS_MAX)
    agency: str | None = Field(None, pattern=AGENCY_PATTERN, description="The agency it is filed under")

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
    proposals: ProposalService,
    lists: ProposalLists,
    rulesets: RuleSetService,
    pages: PageCache,
    now: Callable[[], datetime],
) -> APIRouter:
    router = APIRouter(tags=["proposals"])

    @router.post("/proposals", status_code=201)
    async def submit(body: ProposalIn, author: Annotated[Actor, Depends(proposer)]) -> dict[str, Any]:
        space = in_space(author, body.agency)
        p = await proposals.submit(space, body.title, body.body, body.category, body.district, body.hashtags)
        return views.detail(p, now())

    @router.get("/proposals")
    async def list_proposals(
        actor: OptionalActor,
        sort: Literal["latest", "popular"] = "latest",
        category: str | None = None,
        district: str | None = None,
        stage: str | None = None,
        hashtag: Annotated[str | None, Query(max_length=HASHTAG_LEN_MAX + 1)] = None,
        agency: Annotated[str | None, Query(pattern=AGENCY_PATTERN)] = None,
        q: Annotated[str | None, Query(max_length=100, description="Words of the title (제목 검색)")] = None,
        status: Annotated[str | None, Query(description="An admin status tab (operators)")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page (opaque)")] = None,
        created_from: Annotated[date | None, Query(description="Admin tabs: registered on or after (KST)")] = None,
        created_to: Annotated[date | None, Query(description="Admin tabs: registered on or before (KST)")] = None,
        min_supports: Annotated[int | None, Query(ge=0, le=SUPPORTS_MAX)] = None,
        department: Annotated[str | None, Query(max_length=64, description="Admin tabs: a case's department")] = None,
    ) -> dict[str, Any]:
        narrowing = AdminFilters(created_from, created_to, min_supports, department)

        async def read() -> dict[str, Any]:
            page = await lists.page(
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
                narrowing=narrowing,
            )
            return views.card_page(page, with_status=status is not None)

        # Anonymous public pages are the same for everyone: served from the page cache.
        if pages.enabled and actor is None and status is None and narrowing.empty:
            key = (sort, category, district, stage, hashtag, agency, q, limit, cursor)
            return dict(await pages.get(key, read))
        return await read()

    @router.get("/proposals/{item_id}")
    async def get_proposal(item_id: str, actor: OptionalActor) -> dict[str, Any]:
        p = await proposals.shown(item_id, actor)
        return {**views.detail(p, now()), **proposal_standing(p, actor)}

    @router.get("/proposals/{item_id}/timeline")
    async def get_timeline(item_id: str, actor: OptionalActor) -> dict[str, Any]:
        return {"items": [views.timeline_entry(d) for d in await proposals.timeline(item_id, actor)]}

    @router.get("/meta")
    async def meta() -> dict[str, Any]:
        return views.meta()

    @router.get("/rulesets/{ruleset_id}")
    async def get_ruleset(ruleset_id: str) -> dict[str, Any]:
        return rule_set_to_dict(rulesets.preset(ruleset_id))

    @router.get("/agencies/{agency}/ruleset")
    async def get_agency_ruleset(agency: AgencyId) -> dict[str, Any]:
        return rule_set_to_dict(await rulesets.active(agency))

    @router.put("/agencies/{agency}/ruleset")
    async def put_agency_ruleset(
        agency: AgencyId, choice: RuleSetChoice, admin: Annotated[Actor, Depends(agency_admin)]
    ) -> dict[str, Any]:
        """Items already open keep the rule set they opened under; only new items use this one."""
        return rule_set_to_dict(await rulesets.choose(agency, choice, admin.account_id))

    @router.get("/agencies/{agency}/ruleset/versions")
    async def agency_ruleset_versions(
        agency: AgencyId, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> dict[str, Any]:
        """Every rule set the agency has chosen, newest first (own rules in full)."""
        return {"items": [views.ruleset_version(d) for d in await rulesets.versions(agency, limit)]}

    return router
