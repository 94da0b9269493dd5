"""Request and response models of agencies' API keys (routes/api_keys.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gongnon_gateway.api.schemas import _In
from gongnon_gateway.core.api_keys import (
    DEFAULT_OVERLAP_S,
    DEFAULT_RATE_PER_MIN,
    MAX_OVERLAP_S,
    MAX_RATE_PER_MIN,
    ApiKey,
    KeyStatus,
)
from gongnon_gateway.core.key_limits import MAX_USAGE_DAYS, Usage

ScopeName = Literal["read", "submit", "answer", "subscriptions"]


class ApiKeyIn(_In):
    name: str = Field(min_length=1, max_length=80, description="What the key is for, e.g. 민원 시스템 연동")
    scopes: list[ScopeName] = Field(
        min_length=1,
        max_length=4,
        description="read: GET as the agency's system; submit: act for one of the agency's verified citizens "
        "(X-On-Behalf-Of); answer: answer review cases as one of its departments (X-Department); "
        "subscriptions: its webhook subscriptions, deliveries and feed",
    )
    rate_limit_per_min: int = Field(
        DEFAULT_RATE_PER_MIN, ge=1, le=MAX_RATE_PER_MIN, description="Requests a minute (sliding window)"
    )

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"name": "민원 시스템 연동", "scopes": ["read", "submit"]}]},
    )


class RotateIn(_In):
    overlap_s: int = Field(
        DEFAULT_OVERLAP_S,
        ge=0,
        le=MAX_OVERLAP_S,
        description="How long the old key keeps working (0 … 604800 s, 7 days); then it is refused",
    )


_KEY_EXAMPLE: dict[str, Any] = {
    "id": "k4v2m7q3x5n6p2r4",
    "agency": "gangnam",
    "name": "민원 시스템 연동",
    "prefix": "gk_k4v2m7q3x5n6p2r4_",
    "scopes": ["read", "submit"],
    "rate_limit_per_min": 600,
    "status": "active",
    "created_at": "2026-05-04T09:00:00Z",
    "created_by": "acc_01J0000000000000000000000",
    "last_used_at": "2026-05-05T12:30:00Z",
    "expires_at": None,
    "revoked_at": None,
    "rotated_from": None,
    "rotated_to": None,
}


class ApiKeyOut(BaseModel):
    """A key without its secret."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KEY_EXAMPLE]})

    id: str = Field(description="The key id: the part after gk_ and before the secret")
    agency: str
    name: str
    prefix: str = Field(description="How the key begins (gk_<id>_), to recognise it")
    scopes: list[str]
    rate_limit_per_min: int
    status: KeyStatus = Field(description="active; rotating (works until expires_at); expired; revoked")
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    expires_at: datetime | None = Field(description="When a rotated key stops working")
    revoked_at: datetime | None
    rotated_from: str | None
    rotated_to: str | None

    @classmethod
    def of(cls, key: ApiKey, now: datetime, last_used_at: datetime | None = None) -> ApiKeyOut:
        return cls(
            id=key.id,
            agency=key.agency,
            name=key.name,
            prefix=key.prefix,
            scopes=list(key.scopes),
            rate_limit_per_min=key.rate_limit_per_min,
            status=key.status(now),
            created_at=key.created_at,
            created_by=key.created_by,
            last_used_at=last_used_at or key.last_used_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            rotated_from=key.rotated_from,
            rotated_to=key.rotated_to,
        )


class ApiKeyCreatedOut(ApiKeyOut):
    """The new key with its secret: shown this once, never again."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_KEY_EXAMPLE, "key": "gk_k4v2m7q3x5n6p2r4_" + "x" * 43}]}
    )

    key: str = Field(description="The whole key, gk_<id>_<secret>: keep it secret; it is not shown again")


class ApiKeyRotatedOut(ApiKeyCreatedOut):
    previous: ApiKeyOut = Field(description="The old key: status rotating until expires_at, then expired")


class ApiKeyListOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_KEY_EXAMPLE]}]})

    items: list[ApiKeyOut] = Field(description="Newest first, revoked and expired ones too")


class DayUsageOut(BaseModel):
    day: str = Field(description="YYYY-MM-DD (UTC)")
    requests: int = Field(description="Requests the key made (within its rate limit)")
    rate_limited: int = Field(description="Requests refused with 429")


class ApiKeyUsageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key_id": "k4v2m7q3x5n6p2r4",
                    "agency": "gangnam",
                    "rate_limit_per_min": 600,
                    "last_used_at": "2026-05-05T12:30:00Z",
                    "requests": 1523,
                    "rate_limited": 4,
                    "days": [{"day": "2026-05-05", "requests": 1200, "rate_limited": 4}],
                }
            ]
        }
    )

    key_id: str
    agency: str
    rate_limit_per_min: int
    last_used_at: datetime | None
    requests: int = Field(description="Over the days listed")
    rate_limited: int
    days: list[DayUsageOut] = Field(description=f"Today first, days without use as zeros (up to {MAX_USAGE_DAYS})")

    @classmethod
    def of(cls, key: ApiKey, usage: Usage) -> ApiKeyUsageOut:
        return cls(
            key_id=key.id,
            agency=key.agency,
            rate_limit_per_min=key.rate_limit_per_min,
            last_used_at=usage.last_used_at,
            requests=usage.requests,
            rate_limited=usage.rate_limited,
            days=[DayUsageOut(day=d.day, requests=d.requests, rate_limited=d.rate_limited) for d in usage.days],
        )
