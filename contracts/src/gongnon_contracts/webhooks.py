"""What an agency sends to manage its webhook subscriptions (gateway and notify-svc validate the
same models), and the delivery contract (Standard Webhooks)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gongnon_contracts.public_events import PUBLIC_TYPES

URL_MAX = 2_000
DESCRIPTION_MAX = 200
SEQ_MAX = 2**53  # seq numbers stay exact in every JSON reader

# Headers of every delivery; the body is the PublicEvent as JSON.
ID_HEADER = "webhook-id"  # the public event's id: the same event always has the same id
TIMESTAMP_HEADER = "webhook-timestamp"  # unix seconds of the attempt
SIGNATURE_HEADER = "webhook-signature"  # "v1," + base64 HMAC-SHA256(secret bytes, f"{id}.{timestamp}.{body}")


def public_types(types: list[str] | None) -> list[str]:
    """The event types named, checked, in a stable order (none: every type)."""
    names = list(dict.fromkeys(types or []))
    unknown = [t for t in names if t not in PUBLIC_TYPES]
    if unknown:
        raise ValueError(f"unknown public event types: {', '.join(unknown)}; known: {', '.join(PUBLIC_TYPES)}")
    return names


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=URL_MAX, description="http(s) URL the platform POSTs each event to")
    types: list[str] | None = Field(
        None, max_length=len(PUBLIC_TYPES), description="Public event types to receive; empty or null: all"
    )
    scope: Literal["own", "all"] = Field(
        "own", description="own: events of the agency's items; all: every public item of the platform"
    )
    description: str = Field("", max_length=DESCRIPTION_MAX)

    @field_validator("types")
    @classmethod
    def _known(cls, v: list[str] | None) -> list[str]:
        return public_types(v)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_seq: int = Field(ge=1, le=SEQ_MAX, description="Deliver again every matching event from this seq on")
