"""The public stream's HTTP API (docs/services.md): the pull feed and agencies' webhook
subscriptions. The gateway exposes them as /api/feed and /api/agencies/{agency}/subscriptions…"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from gongnon_chassis.actor import CurrentActor
from gongnon_chassis.errors import Invalid
from gongnon_contracts.webhooks import SEQ_MAX, ReplayIn, SubscriptionIn, public_types
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.service_layer import feed
from notify_svc.webhooks.access import require_feed
from notify_svc.webhooks.service import Webhooks

ID = r"^[A-Za-z0-9_\-]{1,64}$"
AgencyPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9\-]{0,39}$")]
SubPath = Annotated[str, Path(pattern=ID)]


def parse_types(types: str | None) -> list[str]:
    try:
        return public_types([t.strip() for t in (types or "").split(",") if t.strip()])
    except ValueError as exc:
        raise Invalid(str(exc), code="unknown_event_type") from exc


def build_public_router(events: PublicEventStore, webhooks: Webhooks) -> APIRouter:
    router = APIRouter(tags=["public events"])

    @router.get("/public-events")
    async def read_feed(
        actor: CurrentActor,
        after: Annotated[int, Query(ge=0, le=SEQ_MAX)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        types: Annotated[str | None, Query(max_length=500)] = None,
        scope: Literal["own", "all"] = "own",
    ) -> dict[str, Any]:
        require_feed(actor)
        wanted = parse_types(types)
        page = await feed.read(events, after, limit, actor.agency if scope == "own" else None, wanted)
        return page.view()

    base = "/agencies/{agency}/subscriptions"

    @router.post(base, status_code=201)
    async def create(agency: AgencyPath, body: SubscriptionIn, actor: CurrentActor) -> dict[str, Any]:
        return await webhooks.create(actor, agency, body)

    @router.get(base)
    async def list_subscriptions(agency: AgencyPath, actor: CurrentActor) -> dict[str, Any]:
        return await webhooks.list(actor, agency)

    @router.get(base + "/{sub_id}")
    async def get(agency: AgencyPath, sub_id: SubPath, actor: CurrentActor) -> dict[str, Any]:
        return await webhooks.get(actor, agency, sub_id)

    @router.delete(base + "/{sub_id}")
    async def delete(agency: AgencyPath, sub_id: SubPath, actor: CurrentActor) -> dict[str, Any]:
        return await webhooks.delete(actor, agency, sub_id)

    @router.post(base + "/{sub_id}/replay", status_code=202)
    async def replay(agency: AgencyPath, sub_id: SubPath, body: ReplayIn, actor: CurrentActor) -> dict[str, Any]:
        return await webhooks.replay(actor, agency, sub_id, body.from_seq)

    @router.get(base + "/{sub_id}/deliveries")
    async def deliveries(
        agency: AgencyPath,
        sub_id: SubPath,
        actor: CurrentActor,
        cursor: Annotated[int | None, Query(ge=1, le=SEQ_MAX)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        status: Literal["dead"] | None = None,
    ) -> dict[str, Any]:
        return await webhooks.log(actor, agency, sub_id, cursor, limit, status == "dead")

    @router.post(base + "/{sub_id}/deliveries/{delivery_id}/redeliver")
    async def redeliver(
        agency: AgencyPath, sub_id: SubPath, delivery_id: Annotated[str, Path(pattern=ID)], actor: CurrentActor
    ) -> dict[str, Any]:
        return await webhooks.redeliver(actor, agency, sub_id, delivery_id)

    return router
