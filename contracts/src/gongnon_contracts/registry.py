"""All event types by name, so an envelope's data can be parsed and documented."""

from __future__ import annotations

from typing import TypeVar

from gongnon_contracts.envelope import EventData

T = TypeVar("T", bound=type[EventData])

_REGISTRY: dict[str, type[EventData]] = {}


class UnknownEventType(KeyError):
    pass


def register(cls: T) -> T:
    if cls.TYPE in _REGISTRY and _REGISTRY[cls.TYPE] is not cls:
        raise ValueError(f"event type {cls.TYPE} registered twice")
    _REGISTRY[cls.TYPE] = cls
    return cls


def event_class(event_type: str) -> type[EventData]:
    _load()
    try:
        return _REGISTRY[event_type]
    except KeyError as exc:
        raise UnknownEventType(event_type) from exc


def all_events() -> list[type[EventData]]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda c: c.TYPE)


def _load() -> None:
    import gongnon_contracts.events  # noqa: F401  (registers on import)
