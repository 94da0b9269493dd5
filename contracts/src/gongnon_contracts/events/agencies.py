"""Partner agencies (유관기관): the gateway keeps the registry and announces every change on
`gongnon.agencies`, keyed by the agency id (docs/federation.md). Only public fields travel."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic

AGENCY_ID_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Branding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    logo_url: str | None = Field(None, max_length=500, description="https URL of the logo shown in the header")
    primary_color: str = Field("#1b4fa0", pattern=COLOR_PATTERN, description="Header colour, #RRGGBB")
    accent_color: str = Field("#f0a500", pattern=COLOR_PATTERN, description="Accent colour, #RRGGBB")


class _AgencyEvent(EventData):
    TOPIC = Topic.AGENCIES.value
    PUBLIC = False  # agencies read the registry through the API; the public stream is separate
    agency_id: str = Field(pattern=AGENCY_ID_PATTERN)

    def subject(self) -> str:
        return self.agency_id


@register
class AgencyRegistered(_AgencyEvent):
    TYPE = "agency.registered"
    SUMMARY = "A partner agency was registered: its independent space (독립된 공론장) opens"
    name_ko: str
    name_en: str
    host: str | None = None
    branding: Branding
    registered_at: datetime


@register
class AgencyUpdated(_AgencyEvent):
    TYPE = "agency.updated"
    SUMMARY = "An agency's names, host name or branding changed"
    name_ko: str
    name_en: str
    host: str | None = None
    branding: Branding
    changed: list[str] = Field(default_factory=list, description="The fields that changed")


@register
class AgencyClosed(_AgencyEvent):
    TYPE = "agency.closed"
    SUMMARY = "An agency's space closed: it takes no new items; its items stay in the archive"
    closed_at: datetime
