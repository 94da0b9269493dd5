"""The ledger writer: a batch consumer of `gongnon.votes` (up to BATCH = 2,000 records per batch).

Offsets are committed only after the batch's transaction commits (NACK_ON_ERROR): a failure
rewinds and the batch comes again, which the ledger's unique key makes harmless."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from pydantic import ValidationError

from gongnon_chassis.kafka import BATCH_FETCH
from gongnon_chassis.metrics import EVENTS_CONSUMED
from gongnon_chassis.store import Store
from gongnon_contracts import Envelope, Topic
from gongnon_contracts.events import VoteCast, VotesCast
from voting_svc.adapters.ledger import Ledger, LedgerVote
from voting_svc.domain.tally import Tally
from voting_svc.recording import record_votes

log = logging.getLogger(__name__)

BATCH = 2000
# Validating 2,000 envelopes at once would hold this process's event loop (and every vote it is
# answering) for tens of milliseconds; in slices, requests run in between.
PARSE_SLICE = 50
VOTE_TYPES = frozenset({VoteCast.TYPE, VotesCast.TYPE})
RETRY_PAUSE_S = 1.0


def ledger_group(service_name: str) -> str:
    return f"{service_name}.ledger"


def parse_votes(bodies: Sequence[Any], source: str, consumer: str) -> list[LedgerVote]:
    """The votes in the batch's vote.cast and votes.cast records emitted by this service; anything
    else is skipped."""
    votes: list[LedgerVote] = []
    for body in bodies:
        try:
            env = Envelope.model_validate(body)
        except ValidationError:
            log.error("skipping a record on %s that is not an envelope", Topic.VOTES.value)
            EVENTS_CONSUMED.labels(consumer, "?", "invalid").inc()
            continue
        # Only votes this service accepted count (it alone owns the topic; tests share a broker).
        if env.type not in VOTE_TYPES or env.source != source:
            continue
        try:
            cast = (
                VotesCast.model_validate(env.data).votes
                if env.type == VotesCast.TYPE
                else [VoteCast.model_validate(env.data)]
            )
        except ValidationError:
            log.error("skipping %s %s: data does not match its contract", env.type, env.id)
            EVENTS_CONSUMED.labels(consumer, env.type, "invalid").inc()
            continue
        votes += [
            LedgerVote(
                vote_id=data.vote_id,
                item_id=data.item_id,
                kind=data.kind,
                citizen_key=data.citizen_key,
                account_id=data.account_id,
                choices=tuple(data.choices),
                cast_at=data.cast_at,
                channel=data.channel,
                agency=env.agency,
                event_id=env.id,
            )
            for data in cast
        ]
    return votes


def attach_ledger_writer(
    broker: KafkaBroker,
    store: Store,
    ledger: Ledger,
    service_name: str,
    on_recorded: Callable[[list[Tally]], None],
) -> str:
    """Subscribe the writer; returns its consumer group (recovery watches its offsets)."""
    group = ledger_group(service_name)

    @broker.subscriber(
        Topic.VOTES.value,
        batch=True,
        max_records=BATCH,
        group_id=group,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        **BATCH_FETCH,
    )
    async def write_ledger(bodies: list[Any]) -> None:
        votes: list[LedgerVote] = []
        for start in range(0, len(bodies), PARSE_SLICE):
            votes += parse_votes(bodies[start : start + PARSE_SLICE], service_name, group)
            await asyncio.sleep(0)  # let the votes being cast in this process through meanwhile
        try:
            snapshots = await record_votes(store, ledger, votes)
        except Exception:
            log.warning("ledger batch of %d vote(s) failed; it will be retried", len(votes), exc_info=True)
            await asyncio.sleep(RETRY_PAUSE_S)  # do not spin on a database that is down
            raise
        EVENTS_CONSUMED.labels(group, VoteCast.TYPE, "applied").inc(len(votes))
        on_recorded(snapshots)

    return group
