"""Which items are votable, learned from proposal-svc's events (idempotent via the chassis inbox)."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import DecisionVoteRequested, DeliberationOpened, ItemClosed, ProposalSubmitted
from voting_svc.service_layer.defining import BallotDefiner


def register_ballot_handlers(consumer: EventConsumer, definer: BallotDefiner) -> None:
    @consumer.on(ProposalSubmitted)
    async def open_support_ballot(data: ProposalSubmitted, env: Envelope, tx: Tx) -> None:
        await definer.open_support(tx, data.item_id, env.agency)

    @consumer.on(ItemClosed)
    async def close_ballot(data: ItemClosed, env: Envelope, tx: Tx) -> None:
        await definer.close(tx, data.item_id)

    @consumer.on(DeliberationOpened)
    async def open_deliberation_ballot(data: DeliberationOpened, env: Envelope, tx: Tx) -> None:
        await definer.open_deliberation(tx, data, env.agency)

    @consumer.on(DecisionVoteRequested)
    async def open_decision_ballot(data: DecisionVoteRequested, env: Envelope, tx: Tx) -> None:
        await definer.open_decision(tx, data, env.agency)
