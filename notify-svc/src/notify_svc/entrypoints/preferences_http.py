"""Your notification settings and what was sent to you (see docs/services.md). Only your own:
the account is the signed-in actor's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gongnon_chassis.actor import CurrentActor
from notify_svc.service_layer.preferences import PreferenceService


class PreferencesIn(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: bool | None = None
    sms: bool | None = None
    sms_number: str | None = Field(None, max_length=20, pattern=r"^(|\+?[0-9][0-9\- ]{6,18}[0-9])$")
    language: Literal["ko", "en"] | None = None
    digest: Literal["auto", "hourly", "daily"] | None = None


def build_preferences_router(service: PreferenceService) -> APIRouter:
    router = APIRouter(tags=["preferences"])

    @router.get("/preferences")
    async def my_preferences(actor: CurrentActor) -> dict[str, Any]:
        return await service.view(actor.account_id)

    @router.put("/preferences")
    async def change_preferences(body: PreferencesIn, actor: CurrentActor) -> dict[str, Any]:
        return await service.change(actor.account_id, body.model_dump(exclude_none=True))

    @router.get("/deliveries")
    async def my_deliveries(actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        return {"items": await service.deliveries(actor.account_id, limit)}

    return router
