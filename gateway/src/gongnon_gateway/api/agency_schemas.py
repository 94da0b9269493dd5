"""Request and response models of agencies (유관기관), their departments and category maps.
The gateway checks shapes and sizes; the registry (agencies) and review-svc (departments) decide
what is allowed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.events.agencies import AGENCY_ID_PATTERN, COLOR_PATTERN
from gongnon_gateway.api.schemas import _In
from gongnon_gateway.core.agencies import HOST_PATTERN, LOGO_URL_PATTERN

REF = r"^[A-Za-z0-9_\-]{1,64}$"


class BrandingIn(_In):
    logo_url: str | None = Field(None, max_length=500, pattern=LOGO_URL_PATTERN, description="https URL of the logo")
    primary_color: str | None = Field(None, pattern=COLOR_PATTERN, description="Header colour, #RRGGBB")
    accent_color: str | None = Field(None, pattern=COLOR_PATTERN, description="Accent colour, #RRGGBB")


class AgencyIn(_In):
    id: str = Field(pattern=AGENCY_ID_PATTERN, description="The agency's slug, e.g. gangnam-foundation")
    name_ko: str = Field(min_length=1, max_length=60, description="Korean name (기관명)")
    name_en: str = Field(min_length=1, max_length=120, description="English name")
    host: str | None = Field(
        None, max_length=253, pattern=HOST_PATTERN, description="The agency's own host name; its home is served at /"
    )
    branding: BrandingIn = Field(default_factory=BrandingIn)


class AgencyPatchIn(_In):
    """Only the fields sent change; `branding` merges field by field. host: super admin only."""

    name_ko: str | None = Field(None, min_length=1, max_length=60)
    name_en: str | None = Field(None, min_length=1, max_length=120)
    host: str | None = Field(None, max_length=253, pattern=HOST_PATTERN, description="null removes it")
    branding: BrandingIn | None = None


class BrandingOut(BaseModel):
    logo_url: str | None
    primary_color: str
    accent_color: str


_AGENCY_EXAMPLE: dict[str, Any] = {
    "id": "gangnam",
    "name_ko": "강남문화재단",
    "name_en": "Gangnam Cultural Foundation",
    "host": "gangnam.example.kr",
    "branding": {
        "logo_url": "https://cdn.example.kr/gangnam.png",
        "primary_color": "#0a7f5a",
        "accent_color": "#f0a500",
    },
    "status": "active",
    "is_host_agency": False,
    "registered_at": "2026-05-04T09:00:00Z",
    "closed_at": None,
}


class AgencyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_AGENCY_EXAMPLE]})

    id: str
    name_ko: str
    name_en: str
    host: str | None
    branding: BrandingOut
    status: str = Field(description="active, or closed (its items stay in the archive)")
    is_host_agency: bool
    registered_at: datetime
    closed_at: datetime | None


class AgencyListOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_AGENCY_EXAMPLE]}]})

    items: list[AgencyOut]


class DepartmentIn(_In):
    name: str = Field(min_length=1, max_length=60, description="e.g. 시민소통본부, 복지정책과")
    parent_id: str | None = Field(None, pattern=REF, description="The 실·국·본부 this 과 belongs to")
    unit: str | None = Field(None, max_length=60, description="The team that handles proposals, when known")


class DepartmentPatchIn(_In):
    """Rename (name, unit) or move (parent_id; null makes it a top-level unit)."""

    name: str | None = Field(None, min_length=1, max_length=60)
    unit: str | None = Field(None, max_length=60)
    parent_id: str | None = Field(None, pattern=REF)


class CategoryMapIn(_In):
    map: dict[str, str] = Field(
        max_length=64, description="정책분류 key → department id (GET /api/meta lists the categories)"
    )
    default_department_id: str | None = Field(
        None, pattern=REF, description="Where a case of an unmapped category goes (else the head of agency)"
    )
