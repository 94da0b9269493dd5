"""Event handlers: a milestone that demands an answer, or a debate's or consultation's published
result, opens a review case."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import DeliberationResultPublished, MilestoneReached
from review_svc.service_layer.cases import CaseService


def register_handlers(consumer: EventConsumer, service: CaseService) -> None:
    @consumer.on(MilestoneReached)
    async def on_milestone(ev: MilestoneReached, env: Envelope, tx: Tx) -> None:
        await service.open_for_milestone(tx, ev, env.agency)

    @consumer.on(DeliberationResultPublished)
    async def on_result(ev: DeliberationResultPublished, env: Envelope, tx: Tx) -> None:
        await service.open_for_result(tx, ev, env.agency)
