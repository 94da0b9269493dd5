"""Agencies registered by the gateway (`agency.registered` on gongnon.agencies): the new agency's
head of agency (기관장) is created once, so head-answer rules have somewhere to go."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import AgencyRegistered
from review_svc.service_layer.departments import DepartmentService


def register_agency_handlers(consumer: EventConsumer, service: DepartmentService) -> None:
    @consumer.on(AgencyRegistered)
    async def on_registered(ev: AgencyRegistered, env: Envelope, tx: Tx) -> None:
        await service.on_agency_registered(tx, ev)
