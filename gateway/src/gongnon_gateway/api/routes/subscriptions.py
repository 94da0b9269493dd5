"""Webhook subscriptions of an agency (owned by notify-svc): `/api/agencies/{agency}/subscriptions…`
for the agency's admins, a super admin, or the agency's own system with the `subscriptions`
scope. Deliveries follow Standard Webhooks (see docs/services.md, "Agency federation: events")."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.webhooks import SEQ_MAX, ReplayIn, SubscriptionIn
from gongnon_gateway.api.deps import ID_PATTERN, AgencyPath, CurrentAccount, UpstreamDep
from gongnon_gateway.api.links import ID, SAME_AGENCY, link, links
from gongnon_gateway.api.responses import (
    DeliveryOut,
    DeliveryPageOut,
    ReplayOut,
    SubscriptionCreatedOut,
    SubscriptionDeletedOut,
    SubscriptionListOut,
    SubscriptionOut,
)
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["federation"], responses=ERROR_RESPONSES)

SubscriptionPath = Annotated[str, Path(pattern=ID_PATTERN, description="The subscription id")]
DeliveryPath = Annotated[str, Path(pattern=ID_PATTERN, description="The delivery id (dlv_<seq>)")]
BASE = "/api/agencies/{agency}/subscriptions"


def require_manager(actor: Actor, agency: str) -> None:
    if actor.role == ActorRole.SUPER_ADMIN:
        return
    if actor.agency == agency and actor.role == ActorRole.AGENCY_ADMIN:
        return
    if actor.agency == agency and actor.role == ActorRole.AGENCY_SYSTEM and "subscriptions" in actor.scopes:
        return
    raise Forbidden(
        "only the agency's admins or its system with the 'subscriptions' scope manage its webhooks",
        code="not_agency_admin",
    )


def _path(agency: str, rest: str = "") -> str:
    return f"/agencies/{agency}/subscriptions{rest}"


@router.post(
    BASE,
    status_code=201,
    response_model=SubscriptionCreatedOut,
    responses=links(
        201,
        GetSubscription=link("GET", BASE + "/{subscription_id}", agency=SAME_AGENCY, subscription_id=ID),
        ListDeliveries=link("GET", BASE + "/{subscription_id}/deliveries", agency=SAME_AGENCY, subscription_id=ID),
        Replay=link("POST", BASE + "/{subscription_id}/replay", agency=SAME_AGENCY, subscription_id=ID),
        Delete=link("DELETE", BASE + "/{subscription_id}", agency=SAME_AGENCY, subscription_id=ID),
    ),
)
async def create_subscription(
    agency: AgencyPath, body: SubscriptionIn, me: CurrentAccount, up: UpstreamDep, agencies: AgenciesDep
) -> Response:
    """{id, agency, url, types, scope, description, status, created_at, cursor, secret}: the signing
    secret (`whsec_…`) is shown only here. Events committed from now on are delivered. 409
    `agency_closed` (a closed agency's subscriptions are paused and it makes no new ones)."""
    require_manager(me, agency)
    await agencies.require_open(agency)
    return await up.forward(Service.NOTIFY, "POST", _path(agency), actor=me, json_body=body.model_dump())


@router.get(BASE, response_model=SubscriptionListOut)
async def list_subscriptions(agency: AgencyPath, me: CurrentAccount, up: UpstreamDep) -> Response:
    require_manager(me, agency)
    return await up.forward(Service.NOTIFY, "GET", _path(agency), actor=me)


@router.get(BASE + "/{subscription_id}", response_model=SubscriptionOut)
async def get_subscription(
    agency: AgencyPath, subscription_id: SubscriptionPath, me: CurrentAccount, up: UpstreamDep
) -> Response:
    require_manager(me, agency)
    return await up.forward(Service.NOTIFY, "GET", _path(agency, f"/{subscription_id}"), actor=me)


@router.delete(BASE + "/{subscription_id}", response_model=SubscriptionDeletedOut)
async def delete_subscription(
    agency: AgencyPath, subscription_id: SubscriptionPath, me: CurrentAccount, up: UpstreamDep
) -> Response:
    require_manager(me, agency)
    return await up.forward(Service.NOTIFY, "DELETE", _path(agency, f"/{subscription_id}"), actor=me)


@router.post(BASE + "/{subscription_id}/replay", status_code=202, response_model=ReplayOut)
async def replay(
    agency: AgencyPath, subscription_id: SubscriptionPath, body: ReplayIn, me: CurrentAccount, up: UpstreamDep
) -> Response:
    """Deliver again every matching event from `from_seq` on (same `webhook-id`s), in order."""
    require_manager(me, agency)
    path = _path(agency, f"/{subscription_id}/replay")
    return await up.forward(Service.NOTIFY, "POST", path, actor=me, json_body=body.model_dump())


@router.get(BASE + "/{subscription_id}/deliveries", response_model=DeliveryPageOut)
async def deliveries(
    agency: AgencyPath,
    subscription_id: SubscriptionPath,
    me: CurrentAccount,
    up: UpstreamDep,
    cursor: Annotated[int | None, Query(ge=1, le=SEQ_MAX, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    status: Literal["dead"] | None = None,
) -> Response:
    """{items: [{id, seq, event_id, type, item_id, status, attempts, status_code, latency_ms,
    error, at}], next_cursor}: newest first; `status=dead` lists the dead letters only."""
    require_manager(me, agency)
    params = {"cursor": cursor, "limit": limit, "status": status}
    return await up.forward(
        Service.NOTIFY, "GET", _path(agency, f"/{subscription_id}/deliveries"), actor=me, params=params
    )


@router.post(BASE + "/{subscription_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
async def redeliver(
    agency: AgencyPath,
    subscription_id: SubscriptionPath,
    delivery_id: DeliveryPath,
    me: CurrentAccount,
    up: UpstreamDep,
) -> Response:
    """One attempt now (a dead letter, say); the outcome is logged and returned."""
    require_manager(me, agency)
    path = _path(agency, f"/{subscription_id}/deliveries/{delivery_id}/redeliver")
    return await up.forward(Service.NOTIFY, "POST", path, actor=me)
