"""Which items are votable, learned from proposal-svc's events (idempotent via the chassis inbox)."""

from __future__ import annotations

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import ItemClosed, ProposalSubmitted
from voting_svc.adapters.ballots import BallotCache, BallotRepository
from voting_svc.domain.ballot import Ballot


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
