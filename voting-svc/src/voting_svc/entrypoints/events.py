"""Which items are votable, learned from proposal-svc's events (idempotent via the chassis inbox)."""

from __future__ import annotations

import logging

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import DeliberationOpened, ItemClosed, ProposalSubmitted
from voting_svc.adapters.ballots import BallotCache, BallotRepository, Defined
from voting_svc.defining import ballot_from_event
from voting_svc.domain.ballot import Ballot, BallotInvalid

log = logging.getLogger(__name__)


def register_ballot_handlers(rt: Runtime, repo: BallotRepository, cache: BallotCache) -> None:
    ballots = rt.consumer("ballots")

    @ballots.on(ProposalSubmitted)
    async def open_support_ballot(data: ProposalSubmitted, env: Envelope, tx: Tx) -> None:
        # add() keeps an existing ballot as it is, so a replay changes nothing.
        await repo.add(tx, Ballot.support(data.item_id, env.agency))
        cache.forget(data.item_id)

    @ballots.on(ItemClosed)
    async def close_ballot(data: ItemClosed, env: Envelope, tx: Tx) -> None:
        await repo.close(tx, data.item_id)
        cache.forget(data.item_id)

    @ballots.on(DeliberationOpened)
    async def open_deliberation_ballot(data: DeliberationOpened, env: Envelope, tx: Tx) -> None:
        # proposal-svc checked the definition; one it could not use would never become valid on
        # redelivery, so it is logged and skipped rather than retried forever.
        try:
            ballot = ballot_from_event(data, env.agency)
        except BallotInvalid as exc:
            log.error("deliberation %s announced an unusable ballot: %s", data.item_id, exc.message)
            return
        if await repo.add(tx, ballot) is Defined.CONFLICT:
            log.error("deliberation %s: a different ballot already exists; kept the first", data.item_id)
        cache.forget(data.item_id)
