"""Defining a ballot: from proposal-svc's `deliberation.opened` (debates and consultations) or by
hand (operator PUT: decision items, and any item no event announces)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gongnon_chassis.errors import Conflict, Invalid
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import DeliberationOpened
from voting_svc.adapters.ballots import BallotCache, BallotRepository, Defined
from voting_svc.domain.ballot import Ballot, BallotInvalid, Option, Question, VoteKind


class BallotDefiner:
    def __init__(self, store: Store, repo: BallotRepository, cache: BallotCache) -> None:
        self.store = store
        self.repo = repo
        self.cache = cache

    async def define(
        self,
        item_id: str,
        kind: VoteKind,
        agency: str,
        *,
        options: Sequence[Option] = (),
        questions: Sequence[Question] = (),
        max_choices: int | None = None,
        budget_krw: int | None = None,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> tuple[Ballot, bool]:
        """(the ballot, created?) — the same definition twice is fine, a different one is 409."""
        try:
            ballot = Ballot.define(
                item_id,
                kind,
                agency,
                options=options,
                questions=questions,
                max_choices=max_choices,
                budget_krw=budget_krw,
                opens_at=opens_at,
                closes_at=closes_at,
            )
        except BallotInvalid as exc:
            raise Invalid(exc.message, code="invalid_ballot") from exc

        async def body(tx: Tx) -> Defined:
            return await self.repo.add(tx, ballot)

        outcome = await self.store.transaction(body)
        if outcome is Defined.CONFLICT:
            raise Conflict("this item already has a different ballot", code="ballot_exists")
        self.cache.forget(ballot.item_id)
        return ballot, outcome is Defined.CREATED


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
        options=[Option(o.id, o.label) for o in ev.options],
        questions=[Question(q.id, q.label, tuple(Option(o.id, o.label) for o in q.options)) for q in ev.questions],
        max_choices=ev.max_choices if kind == VoteKind.MULTI else None,
        opens_at=ev.opens_at,
        closes_at=ev.closes_at,
    )
