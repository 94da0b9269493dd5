"""Casting votes: the hot path, a batch at a time.

ballot from memory → Redis claims (SET NX per item+citizen_key, pending with a short expiry, one
script per item) → one `votes.cast` record per item on Kafka (acks=all, idempotent producer) → claims confirmed
(permanent) and counted live → 201 each. No MongoDB I/O: the ledger writer records the votes from
Kafka. A vote Kafka does not take gets its claim back and is not counted; if the process dies on
the way, the pending claims expire, so no citizen is locked out by a vote that was never recorded.

The gateway sends the supports reaching it together as one batch (cast_many); single votes are
gathered the same way (cast, one batch per turn of the event loop), so under a burst every step
costs one round trip per batch, not per vote."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from prometheus_client import Counter
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock
from gongnon_chassis.coalesce import Coalescer
from gongnon_chassis.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable
from gongnon_chassis.grouping import group_by
from gongnon_chassis.kafka import Producer, Record
from gongnon_chassis.telemetry import current_trace_context
from gongnon_contracts import Envelope, new_id
from gongnon_contracts.events import VoteCast, VotesCast
from voting_svc.adapters.ballots import BallotCache
from voting_svc.adapters.dedupe import Claim, RedisVotes, StateLost
from voting_svc.domain.ballot import Ballot, VoteKind
from voting_svc.service_layer.pacing import Pacer

log = logging.getLogger(__name__)

VOTES = Counter("gongnon_votes_total", "Vote attempts by outcome", ["kind", "outcome"])

NO_CHOICE_KINDS = frozenset({VoteKind.SUPPORT, VoteKind.DISCUSSION})

# A claim stays pending this long at most: longer than a Kafka send can take (request timeout 15 s),
# short enough that a citizen whose vote died with a crashed process can soon vote again.
PENDING_CLAIM_TTL_S = 30
CONFIRM_RETRIES = 20
CONFIRM_RETRY_PAUSE_S = 1.0
# Single votes gathered into one batch at most, and batches on their way at once.
SINGLES_BATCH = 256
SINGLES_IN_FLIGHT = 4


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
class CastRequest:
    """One vote to cast: `support` is the 공감 endpoint (no choices)."""

    item_id: str
    actor: Actor
    choices: tuple[str, ...] = ()
    support: bool = False


@dataclass(frozen=True)
class Accepted:
    item_id: str
    kind: str
    vote_id: str
    total: int | None  # the live count after this vote; None if the live counter was unreachable


# Each vote of a batch is accepted or refused on its own, as its own request would have been.
Outcome: TypeAlias = Accepted | DomainError


@dataclass(frozen=True)
class _Valid:
    """A vote that passed every check that needs no Redis: its ballot and normalized choices."""

    at: int  # its place in the batch
    ballot: Ballot
    citizen_key: str
    account_id: str
    picked: tuple[str, ...]
    vote_id: str


def _unavailable_register() -> Unavailable:
    return Unavailable("votes are paused while the vote register is restored; retry shortly", code="votes_recovering")


class Casting:
    def __init__(
        self,
        ballots: BallotCache,
        votes: RedisVotes,
        producer: Producer,
        clock: Clock,
        gate: VoteGate,
        source: str,
        pacer: Pacer | None = None,
    ) -> None:
        self.ballots = ballots
        self.pacer = pacer
        self.votes = votes
        self.producer = producer
        self.clock = clock
        self.gate = gate
        self.source = source
        self._background: set[asyncio.Task[None]] = set()
        self._singles: Coalescer[CastRequest, Outcome] = Coalescer(
            self.cast_many, max_batch=SINGLES_BATCH, max_in_flight=SINGLES_IN_FLIGHT
        )

    async def ballot(self, item_id: str) -> Ballot:
        try:
            ballot = await self.ballots.get(item_id)
        except PyMongoError as exc:
            raise Unavailable("ballots cannot be read right now; retry shortly", code="votes_unavailable") from exc
        if ballot is None:
            raise NotFound("nothing to vote on with this id", code="item_not_votable", details={"item_id": item_id})
        return ballot

    async def cast(self, item_id: str, actor: Actor, choices: Sequence[str], *, support: bool = False) -> Accepted:
        """Accept one vote of `actor` on `item_id`, or raise why not."""
        outcome = await self._singles.submit(CastRequest(item_id, actor, tuple(choices), support))
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    async def cast_many(self, requests: Sequence[CastRequest]) -> list[Outcome]:
        """Accept or refuse each vote, in order. Two votes of one citizen on one item in the same
        batch: the first is recorded, the second is `vote_pending` (as if it came a moment later).
        While the pipeline that records votes is past its bound, the batch is held first (pacing)."""
        if self.pacer is not None:
            await self.pacer.admit()
        now = self.clock.now()
        outcomes: list[Outcome | None] = [None] * len(requests)
        valid: list[_Valid] = []
        ballots: dict[str, Ballot | DomainError] = {}
        for at, request in enumerate(requests):
            try:
                valid.append(await self._check(at, request, now, ballots))
            except DomainError as exc:
                outcomes[at] = exc
        if valid:
            # Shielded: a caller that goes away mid-batch must not leave claims without their votes.
            for v, outcome in zip(valid, await asyncio.shield(self._record(valid, now)), strict=True):
                outcomes[v.at] = outcome
        return [o for o in outcomes if o is not None]  # (every place is filled by now)

    async def _check(self, at: int, r: CastRequest, now: datetime, ballots: dict[str, Ballot | DomainError]) -> _Valid:
        if r.actor.citizen_key is None:
            raise Forbidden("only a verified citizen can vote", code="verification_required")
        if not self.gate.is_open:
            raise _unavailable_register()
        if r.item_id not in ballots:
            try:
                ballots[r.item_id] = await self.ballot(r.item_id)
            except DomainError as exc:
                ballots[r.item_id] = exc
        ballot = ballots[r.item_id]
        if isinstance(ballot, DomainError):
            raise ballot
        if r.support and ballot.kind not in NO_CHOICE_KINDS:
            raise Conflict(
                f"this item takes a {ballot.kind} vote, not a support",
                code="wrong_vote_kind",
                details={"kind": ballot.kind.value},
            )
        ballot.check_open(now)
        picked = ballot.normalize(r.choices)
        return _Valid(at, ballot, r.actor.citizen_key, r.actor.account_id, picked, new_id("vt_"))

    async def _record(self, votes: Sequence[_Valid], now: datetime) -> list[Outcome]:
        """Claims → Kafka → live counter; a claim is given back if Kafka did not take its vote."""
        counts: Tally[tuple[str, str]] = Tally()
        try:
            try:
                claims = await self.votes.claim_many(
                    [(v.ballot.item_id, v.citizen_key, v.vote_id) for v in votes], PENDING_CLAIM_TTL_S
                )
            except StateLost:
                self.gate.close()  # the guard restores the register and reopens
                counts.update((v.ballot.kind.value, "recovering") for v in votes)
                return [_unavailable_register() for _ in votes]
            except RedisError:
                self.gate.close()  # reopened by the guard once Redis answers with its state intact
                return [
                    Unavailable(
                        "votes are paused: the vote register is unreachable; retry shortly", code="votes_recovering"
                    )
                    for _ in votes
                ]
            outcomes: list[Outcome | None] = [None] * len(votes)
            claimed: list[tuple[int, _Valid]] = []
            for i, (v, claim) in enumerate(zip(votes, claims, strict=True)):
                if claim is Claim.CLAIMED:
                    claimed.append((i, v))
                elif claim is Claim.DUPLICATE:
                    counts[(v.ballot.kind.value, "duplicate")] += 1
                    outcomes[i] = Conflict("this citizen has already voted on this item", code="already_voted")
                else:
                    # Another request of this citizen is recording a vote right now (or died doing
                    # so, and its claim expires shortly): not a vote yet, and not refused for good.
                    counts[(v.ballot.kind.value, "pending")] += 1
                    outcomes[i] = Conflict(
                        "a vote of this citizen on this item is being recorded; retry in a few seconds",
                        code="vote_pending",
                    )
            durable = await self._send([v for _, v in claimed], now)
            totals = await self._confirm([v for (_, v), sent in zip(claimed, durable, strict=True) if sent])
            for (i, v), sent in zip(claimed, durable, strict=True):
                if sent:
                    counts[(v.ballot.kind.value, "accepted")] += 1
                    outcomes[i] = Accepted(v.ballot.item_id, v.ballot.kind.value, v.vote_id, totals.get(v.vote_id))
                else:
                    counts[(v.ballot.kind.value, "unavailable")] += 1
                    outcomes[i] = Unavailable(
                        "the vote could not be recorded; nothing was counted, please retry", code="vote_not_recorded"
                    )
            return [o for o in outcomes if o is not None]
        finally:
            for (kind, outcome), n in counts.items():
                VOTES.labels(kind, outcome).inc(n)

    async def _send(self, votes: Sequence[_Valid], now: datetime) -> list[bool]:
        """The votes to Kafka, one `votes.cast` record per item; whether each vote was acknowledged.
        The claims of those that were not are given back: not durable, so not counted, and the
        citizen can retry."""
        if not votes:
            return []
        trace = current_trace_context()  # the batch's request: one trace for its votes
        # One record per item: Kafka, the ledger writer and notify-svc then pay per batch.
        by_item = group_by(votes, key=lambda v: v.ballot.item_id)
        records: list[Record] = []
        for item_id, item_votes in by_item.items():
            event = VotesCast(
                item_id=item_id,
                votes=[
                    VoteCast(
                        vote_id=v.vote_id,
                        item_id=item_id,
                        kind=v.ballot.kind.value,
                        citizen_key=v.citizen_key,
                        account_id=v.account_id,
                        choices=list(v.picked),
                        cast_at=now,
                    )
                    for v in item_votes
                ],
            )
            env = Envelope.wrap(event, source=self.source, agency=item_votes[0].ballot.agency, time=now, trace=trace)
            records.append((VotesCast.TOPIC, item_id, env.model_dump(mode="json"), trace))
        errors = await self.producer.send_each(records)
        failed = {item_id for item_id, e in zip(by_item, errors, strict=True) if e is not None}
        lost = [v for v in votes if v.ballot.item_id in failed]
        if lost:
            log.warning(
                "%d vote(s) not acknowledged by Kafka; releasing their claims",
                len(lost),
                exc_info=next(e for e in errors if e is not None),
            )
            try:
                await self.votes.release_many([(v.ballot.item_id, v.citizen_key, v.vote_id) for v in lost])
            except RedisError:
                log.error("%d claim(s) could not be released; they expire", len(lost), exc_info=True)
        return [v.ballot.item_id not in failed for v in votes]

    async def _confirm(self, votes: Sequence[_Valid]) -> dict[str, int]:
        """Make the claims of durable votes permanent and count them live; the live total after
        each vote, by vote id (none if Redis did not answer)."""
        if not votes:
            return {}
        confirms = [(v.ballot.item_id, v.citizen_key, v.vote_id, v.picked) for v in votes]
        try:
            totals = await self.votes.confirm_many(confirms)
        except RedisError:
            # The votes are durable on Kafka and the ledger will count them; keep trying to confirm
            # the claims in the background before they expire (reconcile repairs the live count).
            log.warning("%d claim(s) not confirmed yet; retrying", len(confirms), exc_info=True)
            task = asyncio.create_task(self._confirm_later(confirms))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return {}
        return {v.vote_id: total for v, total in zip(votes, totals, strict=True)}

    async def _confirm_later(self, confirms: Sequence[tuple[str, str, str, Sequence[str]]]) -> None:
        for _ in range(CONFIRM_RETRIES):
            await asyncio.sleep(CONFIRM_RETRY_PAUSE_S)
            try:
                await self.votes.confirm_many(confirms)
                return
            except RedisError:
                continue
        log.error("%d claim(s) never confirmed; the ledger still counts each vote once", len(confirms))
