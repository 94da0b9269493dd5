"""Request and response models of a person's notification settings and deliveries (issue 13).
The gateway checks shapes and sizes; notify-svc keeps and applies them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gongnon_gateway.api.schemas import _In

PHONE_PATTERN = r"^(|\+?[0-9][0-9\- ]{6,18}[0-9])$"  # "" removes the number


class PreferencesIn(_In):
    """Only the fields sent change."""

    email: bool | None = Field(None, description="E-mail notifications on or off")
    sms: bool | None = Field(None, description="SMS notifications on or off (needs sms_number)")
    sms_number: str | None = Field(
        None, max_length=20, pattern=PHONE_PATTERN, description='Where SMS go; "" removes it'
    )
    language: Literal["ko", "en"] | None = Field(None, description="The language of e-mail and SMS")
    digest: Literal["auto", "hourly", "daily"] | None = Field(
        None,
        description="auto: at once, except news of items with thousands of followers (one e-mail an hour); "
        "hourly / daily: one e-mail per period listing the news of items you follow",
    )


class PreferencesOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "email": True,
                    "sms": False,
                    "sms_number": None,
                    "language": "ko",
                    "digest": "auto",
                    "email_address": "citizen@example.kr",
                }
            ]
        },
    )

    email: bool
    sms: bool
    sms_number: str | None
    language: str
    digest: str
    email_address: str | None = Field(None, description="The account's e-mail as notify-svc knows it (null: not yet)")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    channel: str
    kind: str
    item_id: str
    status: str = Field(description="pending | sent | failed | skipped")
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    digest: bool


class DeliveryPageOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "out_01J9",
                            "channel": "email",
                            "kind": "review.reminder_due",
                            "item_id": "p_01J8Z6",
                            "title": "[D-3] 답변 기한이 3일 남았습니다: 지하철역 엘리베이터 정보",
                            "status": "sent",
                            "attempts": 1,
                            "last_error": None,
                            "delivered_at": "2026-05-04T10:00:01Z",
                            "digest": False,
                            "at": "2026-05-04T10:00:00Z",
                        }
                    ]
                }
            ]
        },
    )

    items: list[DeliveryOut]
