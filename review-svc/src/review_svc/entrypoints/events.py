"""Event handlers: a milestone that demands an answer opens a review case."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import MilestoneReached
from review_svc.service_layer.cases import CaseService


def register_handlers(consumer: EventConsumer, service: CaseService) -> None:
    @consumer.on(MilestoneReached)
    async def on_milestone(ev: MilestoneReached, env: Envelope, tx: Tx) -> None:
        await service.open_for_milestone(tx, ev, env.agency)
