"""Casting a vote: the hot path.

ballot from memory → Redis claim (SET NX on item+citizen_key, pending with a short expiry) →
`vote.cast` on Kafka (acks=all, idempotent producer) → claim confirmed (permanent) and counted
live → 201. No MongoDB I/O: the ledger writer records the vote from Kafka. If Kafka does not take
the vote, the claim is given back and nothing was counted; if the process dies on the way, the
pending claim expires, so the citizen is never locked out by a vote that was never recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock
from gongnon_chassis.coalesce import Coalescer
from gongnon_chassis.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from gongnon_chassis.kafka import Producer
from gongnon_chassis.telemetry import current_trace_context
from gongnon_contracts import Envelope, new_id
from gongnon_contracts.events import VoteCast
from voting_svc.adapters.ballots import BallotCache
from voting_svc.adapters.dedupe import Claim, RedisVotes
from voting_svc.domain.ballot import Ballot, VoteKind, VoteRejected

log = logging.getLogger(__name__)

VOTES = Counter("gongnon_votes_total", "Vote attempts by outcome", ["kind", "outcome"])

NO_CHOICE_KINDS = frozenset({VoteKind.SUPPORT, VoteKind.DISCUSSION})

# A claim stays pending this long at most: longer than a Kafka send can take (request timeout 15 s),
# short enough that a citizen whose vote died with a crashed process can soon vote again.
PENDING_CLAIM_TTL_S = 30
CONFIRM_RETRIES = 20
CONFIRM_RETRY_PAUSE_S = 1.0


class VoteGate:
    """Open only while Redis holds every claim (see recovery); closed, votes get 503."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()

    @property
    def is_open(self) -> bool:
        return self.opened.is_set()

    def open(self) -> None:
        self.opened.set()

    def close(self) -> None:
        self.opened.clear()


@dataclass(frozen=True)
class Accepted:
    item_id: str
    kind: str
    vote_id: str
    total: int | None  # the live count after this vote; None if the live counter was unreachable


class Casting:
    def __init__(
        self,
        ballots: BallotCache,
        votes: RedisVotes,
        producer: Producer,
        clock: Clock,
        gate: VoteGate,
        source: str,
    ) -> None:
        self.ballots = ballots
        self.votes = votes
        self.producer = producer
        self.clock = clock
        self.gate = gate
        self.source = source
        self._background: set[asyncio.Task[None]] = set()
        # Concurrent votes share their Redis round trips (one pipeline per event-loop turn).
        self._claims: Coalescer[tuple[str, str, str], Claim] = Coalescer(
            lambda batch: votes.claim_many(batch, PENDING_CLAIM_TTL_S)
        )
        self._confirms: Coalescer[tuple[str, str, str, Sequence[str]], int] = Coalescer(votes.confirm_many)

    async def ballot(self, item_id: str) -> Ballot:
        try:
            ballot = await self.ballots.get(item_id)
        except PyMongoError as exc:
            raise Unavailable("ballots cannot be read right now; retry shortly", code="votes_unavailable") from exc
        if ballot is None:
            raise NotFound("nothing to vote on with this id", code="item_not_votable", details={"item_id": item_id})
        return ballot

    async def cast(self, item_id: str, actor: Actor, choices: Sequence[str], *, support: bool = False) -> Accepted:
        """Accept one vote of `actor` on `item_id`; `support` is the 공감 endpoint (no choices)."""
        if actor.citizen_key is None:
            raise Forbidden("only a verified citizen can vote", code="verification_required")
        if not self.gate.is_open:
            raise Unavailable(
                "votes are paused while the vote register is restored; retry shortly", code="votes_recovering"
            )
        ballot = await self.ballot(item_id)
        if support and ballot.kind not in NO_CHOICE_KINDS:
            raise Conflict(
                f"this item takes a {ballot.kind} vote, not a support",
                code="wrong_vote_kind",
                details={"kind": ballot.kind.value},
            )
        now = self.clock.now()
        try:
            ballot.check_open(now)
            picked = ballot.normalize(choices)
        except VoteRejected as exc:
            if exc.code == "invalid_choice":
                raise Invalid(exc.message, code=exc.code) from exc
            raise Conflict(exc.message, code=exc.code) from exc
        # Shielded: a caller that goes away mid-vote must not leave a claim without its vote.
        return await asyncio.shield(self._record(ballot, actor.citizen_key, actor.account_id, picked, now))

    async def _record(
        self, ballot: Ballot, citizen_key: str, account_id: str, picked: tuple[str, ...], now: datetime
    ) -> Accepted:
        """Claim → Kafka → live counter; the claim is given back if Kafka did not take the vote."""
        item_id = ballot.item_id
        vote_id = new_id("vt_")
        try:
            claim = await self._claims.submit((item_id, citizen_key, vote_id))
        except RedisError as exc:
            self.gate.close()  # reopened by the guard once Redis answers with its state intact
            raise Unavailable(
                "votes are paused: the vote register is unreachable; retry shortly", code="votes_recovering"
            ) from exc
        if claim is Claim.DUPLICATE:
            VOTES.labels(ballot.kind.value, "duplicate").inc()
            raise Conflict("this citizen has already voted on this item", code="already_voted")
        if claim is Claim.PENDING:
            # Another request of this citizen is recording a vote right now (or died doing so, and
            # its claim expires shortly): not a vote yet, and not refused for good.
            VOTES.labels(ballot.kind.value, "pending").inc()
            raise Conflict(
                "a vote of this citizen on this item is being recorded; retry in a few seconds",
                code="vote_pending",
            )
        if claim is Claim.STATE_LOST:
            self.gate.close()  # the guard restores the register and reopens
            VOTES.labels(ballot.kind.value, "recovering").inc()
            raise Unavailable(
                "votes are paused while the vote register is restored; retry shortly", code="votes_recovering"
            )

        event = VoteCast(
            vote_id=vote_id,
            item_id=item_id,
            kind=ballot.kind.value,
            citizen_key=citizen_key,
            account_id=account_id,
            choices=list(picked),
            cast_at=now,
        )
        trace = current_trace_context()
        env = Envelope.wrap(event, source=self.source, agency=ballot.agency, time=now, trace=trace)
        try:
            await self.producer.send(VoteCast.TOPIC, item_id, env.model_dump(mode="json"), trace)
        except Exception as exc:
            # Not durable, so not counted: free the claim so the citizen can simply retry.
            log.warning("vote.cast not acknowledged by Kafka; releasing the claim", exc_info=True)
            try:
                await self.votes.release(item_id, citizen_key, vote_id)
            except RedisError:
                log.error("claim of %s on %s could not be released", vote_id, item_id, exc_info=True)
            VOTES.labels(ballot.kind.value, "unavailable").inc()
            raise Unavailable(
                "the vote could not be recorded; nothing was counted, please retry", code="vote_not_recorded"
            ) from exc

        total: int | None = None
        try:
            total = await self._confirms.submit((item_id, citizen_key, vote_id, picked))
        except RedisError:
            # The vote is durable on Kafka and the ledger will count it; keep trying to confirm the
            # claim in the background before it expires (reconcile repairs the live count anyway).
            log.warning("claim of %s on %s not confirmed yet; retrying", vote_id, item_id, exc_info=True)
            task = asyncio.create_task(self._confirm_later(item_id, citizen_key, vote_id, picked))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        VOTES.labels(ballot.kind.value, "accepted").inc()
        return Accepted(item_id=item_id, kind=ballot.kind.value, vote_id=vote_id, total=total)

    async def _confirm_later(self, item_id: str, citizen_key: str, vote_id: str, picked: tuple[str, ...]) -> None:
        for _ in range(CONFIRM_RETRIES):
            await asyncio.sleep(CONFIRM_RETRY_PAUSE_S)
            try:
                await self.votes.confirm(item_id, [(citizen_key, vote_id, picked)])
                return
            except RedisError:
                continue
        log.error("claim of %s on %s never confirmed; the ledger still counts the vote once", vote_id, item_id)
