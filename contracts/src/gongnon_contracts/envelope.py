"""The one envelope every event travels in (CloudEvents-like)."""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field


def new_id(prefix: str = "") -> str:
    """Time-ordered unique id: 12 hex digits of milliseconds, then 10 random hex digits."""
    return f"{prefix}{int(time.time() * 1000):012x}{os.urandom(5).hex()}"


class EventData(BaseModel):
    """Base of every event's data. Subclasses set TYPE, TOPIC, VERSION and PUBLIC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    VERSION: ClassVar[int] = 1
    PUBLIC: ClassVar[bool] = True  # may agencies subscribe to it?
    SUMMARY: ClassVar[str] = ""

    def subject(self) -> str:
        """The item id the event is about; the Kafka key."""
        raise NotImplementedError


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Unique event id; consumers de-duplicate on it")
    type: str = Field(description="Event type, e.g. proposal.submitted")
    version: int = Field(ge=1)
    source: str = Field(description="The service that emitted the event")
    time: datetime = Field(description="When it happened, on the platform clock (UTC)")
    subject: str = Field(description="The item id; also the Kafka message key")
    agency: str = Field(description="The agency (independent space) the item belongs to")
    trace: dict[str, str] = Field(default_factory=dict, description="W3C trace context")
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        source: str,
        agency: str,
        time: datetime,
        trace: dict[str, str] | None = None,
        event_id: str | None = None,
    ) -> Self:
        return cls(
            id=event_id or new_id("ev_"),
            type=data.TYPE,
            version=data.VERSION,
            source=source,
            time=time,
            subject=data.subject(),
            agency=agency,
            trace=trace or {},
            data=data.model_dump(mode="json"),
        )

    def topic(self) -> str:
        from gongnon_contracts.registry import event_class

        return event_class(self.type).TOPIC

    def parse(self) -> EventData:
        """The typed data, validated against the registered model for this type."""
        from gongnon_contracts.registry import event_class

        return event_class(self.type).model_validate(self.data)
