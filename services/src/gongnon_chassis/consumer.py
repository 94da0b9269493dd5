"""Idempotent event consumers.

A service declares handlers per event type; each delivery runs in one transaction together with
an inbox marker, so an event seen twice changes nothing the second time. Offsets are committed
only after the handler's transaction commits (AckPolicy.NACK_ON_ERROR: a failure seeks back and
the event is delivered again)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from pydantic import ValidationError

from gongnon_chassis.metrics import EVENTS_CONSUMED
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import Envelope, EventData

log = logging.getLogger(__name__)

E = TypeVar("E", bound=EventData)
Handler = Callable[[Any, Envelope, Tx], Awaitable[None]]


class EventConsumer:
    def __init__(self, name: str, store: Store) -> None:
        self.name = name  # also the Kafka consumer group
        self.store = store
        self._handlers: dict[str, tuple[type[EventData], Handler]] = {}

    def on(self, event_cls: type[E]) -> Callable[[Callable[[E, Envelope, Tx], Awaitable[None]]], Handler]:
        def register(fn: Callable[[E, Envelope, Tx], Awaitable[None]]) -> Handler:
            self._handlers[event_cls.TYPE] = (event_cls, fn)
            return fn

        return register

    def topics(self) -> list[str]:
        return sorted({cls.TOPIC for cls, _ in self._handlers.values()})

    async def dispatch(self, body: dict[str, Any]) -> None:
        try:
            env = Envelope.model_validate(body)
        except ValidationError:
            log.error("skipping a message that is not an envelope on %s", self.name)
            EVENTS_CONSUMED.labels(self.name, "?", "invalid").inc()
            return
        entry = self._handlers.get(env.type)
        if entry is None:
            return
        cls, fn = entry
        try:
            data = cls.model_validate(env.data)
        except ValidationError:
            log.error("skipping %s %s: data does not match its contract", env.type, env.id)
            EVENTS_CONSUMED.labels(self.name, env.type, "invalid").inc()
            return
        applied = await self.store.handle_once(self.name, env, lambda tx: fn(data, env, tx))
        EVENTS_CONSUMED.labels(self.name, env.type, "applied" if applied else "duplicate").inc()

    def attach(self, broker: KafkaBroker) -> None:
        if not self._handlers:
            return

        async def handle(body: dict[str, Any]) -> None:
            await self.dispatch(body)

        broker.subscriber(
            *self.topics(),
            group_id=self.name,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )(handle)
