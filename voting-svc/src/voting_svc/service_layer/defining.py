"""Defining ballots: a support ballot for every submitted proposal, the ballot a debate or
consultation announces (`deliberation.opened`), or one an operator defines by hand (PUT: decision
items, and any item no event announces); and closing a ballot when its item closes."""

from __future__ import annotations

import logging

from gongnon_chassis.errors import Conflict
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import DecisionVoteOpened, DecisionVoteRequested, DeliberationOpened, decision_item_id
from voting_svc.adapters.ballots import BallotCache, BallotRepository, Defined
from voting_svc.domain.ballot import Ballot, BallotInvalid, VoteKind
from voting_svc.domain.decision import QuorumPolicy

log = logging.getLogger(__name__)


class BallotDefiner:
    def __init__(self, store: Store, repo: BallotRepository, cache: BallotCache) -> None:
        self.store = store
        self.repo = repo
        self.cache = cache

    async def define(self, ballot: Ballot) -> tuple[Ballot, bool]:
        """(the ballot, created?) — the same definition twice is fine, a different one is 409."""

        async def body(tx: Tx) -> Defined:
            outcome = await self.repo.add(tx, ballot)
            if outcome is Defined.CREATED:
                announce_decision(tx, ballot)
            return outcome

        outcome = await self.store.transaction(body)
        if outcome is Defined.CONFLICT:
            raise Conflict("this item already has a different ballot", code="ballot_exists")
        self.cache.forget(ballot.item_id)
        return ballot, outcome is Defined.CREATED

    # -- events (in the consumer's transaction) ------------------------------------------------

    async def open_support(self, tx: Tx, item_id: str, agency: str) -> None:
        # add() keeps an existing ballot as it is, so a replay changes nothing.
        await self.repo.add(tx, Ballot.support(item_id, agency))
        self.cache.forget(item_id)

    async def close(self, tx: Tx, item_id: str) -> None:
        await self.repo.close(tx, item_id)
        self.cache.forget(item_id)

    async def open_deliberation(self, tx: Tx, ev: DeliberationOpened, agency: str) -> None:
        # proposal-svc checked the definition; one it could not use would never become valid on
        # redelivery, so it is logged and skipped rather than retried forever.
        try:
            ballot = ballot_from_event(ev, agency)
        except BallotInvalid as exc:
            log.error("deliberation %s announced an unusable ballot: %s", ev.item_id, exc.message)
            return
        if await self.repo.add(tx, ballot) is Defined.CONFLICT:
            log.error("deliberation %s: a different ballot already exists; kept the first", ev.item_id)
        self.cache.forget(ev.item_id)

    async def open_decision(self, tx: Tx, ev: DecisionVoteRequested, agency: str) -> None:
        """The decision ballot `decision_item_id(item)`: a repeated request (a replay, the rule and the
        committee both asking) keeps the first ballot."""
        try:
            ballot = decision_ballot(ev, agency)
        except BallotInvalid as exc:
            log.error("decision vote on %s asked for an unusable ballot: %s", ev.item_id, exc.message)
            return
        outcome = await self.repo.add(tx, ballot)
        if outcome is Defined.CONFLICT:
            log.info("decision vote on %s is open already; kept the first ballot", ev.item_id)
        elif outcome is Defined.CREATED:
            announce_decision(tx, ballot)
        self.cache.forget(ballot.item_id)


def announce_decision(tx: Tx, ballot: Ballot) -> None:
    """`decision.vote_opened` with the ballot it announces (the item's timeline shows it)."""
    if ballot.kind != VoteKind.DECISION or ballot.budget_krw is None or ballot.quorum is None:
        return
    opened = DecisionVoteOpened(
        item_id=ballot.item_id,
        source_item_id=ballot.source_item_id,
        budget_krw=ballot.budget_krw,
        quorum=ballot.quorum,
        opens_at=ballot.opens_at,
        closes_at=ballot.closes_at,
    )
    tx.emit(opened, agency=ballot.agency)


def decision_ballot(ev: DecisionVoteRequested, agency: str) -> Ballot:
    # The requester sends its rule set's parameters (Seoul's when the rule set has no policy);
    # None means no such bound, e.g. Madrid's citizen vote has no budget quorum.
    policy = QuorumPolicy(ev.krw_per_voter, ev.quorum_min, ev.quorum_max)
    return Ballot.define(
        decision_item_id(ev.item_id),
        VoteKind.DECISION,
        agency,
        budget_krw=ev.budget_krw,
        opens_at=ev.opens_at,
        closes_at=ev.closes_at,
        quorum_policy=policy,
        source_item_id=ev.item_id,
    )


def ballot_from_event(ev: DeliberationOpened, agency: str) -> Ballot:
    """The ballot a debate or consultation announced; BallotInvalid if it cannot be used."""
    try:
        kind = VoteKind(ev.vote_type)
    except ValueError as exc:
        raise BallotInvalid(f"unknown vote type {ev.vote_type!r}") from exc
    return Ballot.define(
        ev.item_id,
        kind,
        agency,
        options=ev.options,
        questions=ev.questions,
        max_choices=ev.max_choices if kind == VoteKind.MULTI else None,
        opens_at=ev.opens_at,
        closes_at=ev.closes_at,
    )
