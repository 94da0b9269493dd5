"""API keys of an agency's systems (docs/federation.md): its admin (or a super admin) creates,
lists, rotates and revokes them and reads their use. Another agency's admin, and every key, is
refused (403) on every one of these routes; another agency's key id is not found (404)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Unavailable
from gongnon_gateway.api.api_key_schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyListOut,
    ApiKeyOut,
    ApiKeyRotatedOut,
    ApiKeyUsageOut,
    RotateIn,
)
from gongnon_gateway.api.deps import ID_PATTERN, AgencyPath, CurrentAccount
from gongnon_gateway.api.links import ID, SAME_AGENCY, link, links
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.agencies import require_manager, require_open
from gongnon_gateway.core.api_key_auth import KeyAuthenticator
from gongnon_gateway.core.api_keys import new_key
from gongnon_gateway.core.key_limits import MAX_USAGE_DAYS

log = logging.getLogger(__name__)
router = APIRouter(tags=["federation"], responses=ERROR_RESPONSES)

BASE = "/api/agencies/{agency}/api-keys"
KeyIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="The key id (gk_<key id>_…)")]


async def get_api_keys(request: Request) -> KeyAuthenticator:
    auth: KeyAuthenticator | None = getattr(request.app.state, "api_keys", None)
    if auth is None:
        raise Unavailable("API keys are not available on this server", code="api_keys_unavailable")
    return auth


ApiKeysDep = Annotated[KeyAuthenticator, Depends(get_api_keys)]


async def _managed(me: Actor, agency: str, agencies: AgenciesDep, *, open_only: bool = False) -> None:
    # Who asks first: another agency's admin learns nothing, not even whether the agency exists.
    require_manager(me, agency)
    found = await agencies.get(agency)
    if open_only:
        require_open(found)


@router.post(
    BASE,
    status_code=201,
    response_model=ApiKeyCreatedOut,
    responses=links(
        201,
        GetUsage=link("GET", BASE + "/{key_id}/usage", agency=SAME_AGENCY, key_id=ID),
        Rotate=link("POST", BASE + "/{key_id}/rotate", agency=SAME_AGENCY, key_id=ID),
        Revoke=link("DELETE", BASE + "/{key_id}", agency=SAME_AGENCY, key_id=ID),
    ),
)
async def create_api_key(
    agency: AgencyPath,
    body: ApiKeyIn,
    me: CurrentAccount,
    agencies: AgenciesDep,
    auth: ApiKeysDep,
    request: Request,
    response: Response,
) -> ApiKeyCreatedOut:
    """A new key for one of the agency's systems (its admin or a super admin). The whole key
    (`gk_<id>_<secret>`) is in this answer only; the platform keeps its SHA-256. Send it as
    `Authorization: Bearer gk_…` or `X-Api-Key: gk_…`. 409 `agency_closed`, `too_many_api_keys`."""
    await _managed(me, agency, agencies, open_only=True)
    fresh = new_key()
    key = await auth.keys.create(
        agency=agency,
        name=body.name,
        scopes=list(body.scopes),
        rate_limit_per_min=body.rate_limit_per_min,
        by=me.account_id,
        new=fresh,
    )
    log.info("api key %s of agency %s created by %s (scopes %s)", key.id, agency, me.account_id, key.scopes)
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreatedOut(**ApiKeyOut.of(key, key.created_at).model_dump(), key=fresh.token)


@router.get(BASE, response_model=ApiKeyListOut)
async def list_api_keys(
    agency: AgencyPath, me: CurrentAccount, agencies: AgenciesDep, auth: ApiKeysDep, request: Request
) -> ApiKeyListOut:
    """The agency's keys without their secrets: id, name, prefix, scopes, status, created, last used."""
    await _managed(me, agency, agencies)
    keys = await auth.keys.of_agency(agency)
    last = await auth.limits.last_used(keys)
    now = request.app.state.gateway.runtime.clock.now()
    return ApiKeyListOut(items=[ApiKeyOut.of(k, now, last.get(k.id)) for k in keys])


@router.post(BASE + "/{key_id}/rotate", status_code=201, response_model=ApiKeyRotatedOut)
async def rotate_api_key(
    agency: AgencyPath,
    key_id: KeyIdPath,
    body: RotateIn,
    me: CurrentAccount,
    agencies: AgenciesDep,
    auth: ApiKeysDep,
    response: Response,
) -> ApiKeyRotatedOut:
    """A new key with the same name, scopes and limit (shown once); the old one keeps working for
    `overlap_s` seconds (at most 7 days), then it is refused (401 `api_key_expired`). 409
    `api_key_rotated` when it was rotated already (rotate its successor), `api_key_revoked`."""
    await _managed(me, agency, agencies, open_only=True)
    fresh = new_key()
    old, successor = await auth.keys.rotate(agency, key_id, body.overlap_s, me.account_id, fresh)
    log.info("api key %s of agency %s rotated to %s by %s", old.id, agency, successor.id, me.account_id)
    response.headers["Cache-Control"] = "no-store"
    now = successor.created_at
    return ApiKeyRotatedOut(
        **ApiKeyOut.of(successor, now).model_dump(), key=fresh.token, previous=ApiKeyOut.of(old, now)
    )


@router.delete(BASE + "/{key_id}", response_model=ApiKeyOut)
async def revoke_api_key(
    agency: AgencyPath, key_id: KeyIdPath, me: CurrentAccount, agencies: AgenciesDep, auth: ApiKeysDep
) -> ApiKeyOut:
    """Revoke the key at once: its very next request gets 401 `api_key_revoked`. Revoking again
    changes nothing. The key stays listed (revoked)."""
    await _managed(me, agency, agencies)
    key = await auth.keys.revoke(agency, key_id, me.account_id)
    log.info("api key %s of agency %s revoked by %s", key.id, agency, me.account_id)
    assert key.revoked_at is not None
    return ApiKeyOut.of(key, key.revoked_at)


@router.get(BASE + "/{key_id}/usage", response_model=ApiKeyUsageOut)
async def api_key_usage(
    agency: AgencyPath,
    key_id: KeyIdPath,
    me: CurrentAccount,
    agencies: AgenciesDep,
    auth: ApiKeysDep,
    days: Annotated[int, Query(ge=1, le=MAX_USAGE_DAYS, description="How many days back, today included")] = 30,
) -> ApiKeyUsageOut:
    """Requests per day (UTC) and refusals by the rate limit, and the last use: exact at any moment
    (what Redis has not yet flushed to MongoDB is added)."""
    await _managed(me, agency, agencies)
    key = await auth.keys.get(agency, key_id)
    return ApiKeyUsageOut.of(key, await auth.limits.usage(key, days))
