"""The decision vote's result reaches the committee: a passed vote opens execution."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import DecisionVoteDecided
from review_svc.service_layer.committee import CommitteeService


def register_committee_handlers(consumer: EventConsumer, service: CommitteeService) -> None:
    # Idempotent twice over: the inbox marker, and the agenda applies a result only while voting.
    @consumer.on(DecisionVoteDecided)
    async def on_decided(ev: DecisionVoteDecided, env: Envelope, tx: Tx) -> None:
        await service.vote_decided(tx, ev)
