"""The public projector: a consumer group of its own on the internal topics (proposals, reviews,
tallies; never votes), a batch at a time, one transaction per batch:

1. the items' public state is read once, the pure projection (domain/public_events.py) turns the
   batch into drafts, and drafts whose id is recorded already (a redelivery) are dropped;
2. one counter write reserves the batch's seq numbers (one write per batch, not per event: it is
   also where concurrent projectors queue, so it should be taken as rarely as possible);
3. the events and the items' state commit together (the events are also the outbox of the Kafka
   topic gongnon.public: see public_relay.py). Kafka offsets are committed only after that
   (NACK_ON_ERROR).

No inbox markers: the public ids (derived from the internal ids) and the items' state make a
second delivery change nothing. After each commit, `on_commit(events)` hands the new events to the
webhook lanes and the Kafka relay (and wakes them)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from prometheus_client import Counter, Histogram
from pydantic import ValidationError

from gongnon_chassis.clock import Clock
from gongnon_chassis.metrics import EVENTS_CONSUMED
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import Envelope, Topic
from gongnon_contracts.public_events import PublicEvent, SupportsCounted
from gongnon_contracts.registry import event_class
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.domain.public_events import PROJECTED, Draft, project

log = logging.getLogger(__name__)

PROJECTION = Histogram("gongnon_public_projection_seconds", "One projector batch's transaction")
COMMIT_TAIL = Histogram("gongnon_public_commit_tail_seconds", "From a public event's recorded_at to its commit")
RECORDED = Counter("gongnon_public_events_recorded_total", "Public events recorded")
TOPICS = (Topic.PROPOSALS.value, Topic.REVIEWS.value, Topic.TALLIES.value)


class PublicProjector:
    def __init__(
        self,
        store: Store,
        events: PublicEventStore,
        clock: Clock,
        group: str,
        batch_size: int = 1000,
        on_commit: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.store = store
        self.events = events
        self.clock = clock
        self.group = group
        self.batch_size = batch_size
        self.on_commit = on_commit

    def attach(self, broker: KafkaBroker) -> None:
        async def handle(bodies: list[dict[str, Any]]) -> None:
            await self.apply(bodies)

        broker.subscriber(
            *TOPICS,
            group_id=self.group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            batch=True,
            max_records=self.batch_size,
        )(handle)

    def _parse(self, bodies: list[dict[str, Any]]) -> list[Envelope]:
        """The envelopes the projection reads; malformed ones are logged and skipped (retrying a
        message that can never parse would block its partition)."""
        out: list[Envelope] = []
        for body in bodies:
            try:
                env = Envelope.model_validate(body)
            except ValidationError:
                log.error("public projector: skipping a message that is not an envelope")
                EVENTS_CONSUMED.labels(self.group, "?", "invalid").inc()
                continue
            if env.type not in PROJECTED:
                continue
            try:
                event_class(env.type).model_validate(env.data)
            except ValidationError:
                log.error("public projector: skipping %s %s: data does not match its contract", env.type, env.id)
                EVENTS_CONSUMED.labels(self.group, env.type, "invalid").inc()
                continue
            out.append(env)
        return out

    async def apply(self, bodies: list[dict[str, Any]]) -> int:
        """Project one batch; returns how many public events it recorded."""
        envelopes = self._parse(bodies)
        if not envelopes:
            return 0

        async def run(tx: Tx) -> list[dict[str, Any]]:
            return await self._project(tx, envelopes)

        started = time.perf_counter()
        docs = await self.store.transaction(run)
        PROJECTION.observe(time.perf_counter() - started)
        if docs:  # from recorded_at (stamped inside the transaction) to the commit returning
            COMMIT_TAIL.observe(
                max(0.0, (self.clock.now() - datetime.fromisoformat(docs[0]["event"]["recorded_at"])).total_seconds())
            )
        RECORDED.inc(len(docs))
        for env in envelopes:
            EVENTS_CONSUMED.labels(self.group, env.type, "applied").inc()
        if docs and self.on_commit is not None:
            self.on_commit(docs)
        return int(docs[-1]["seq"]) if docs else 0

    async def _project(self, tx: Tx, envelopes: list[Envelope]) -> list[dict[str, Any]]:
        states = await self.events.load_states({e.subject for e in envelopes}, tx.session)
        before = {k: v.to_doc() for k, v in states.items()}
        drafts = project(envelopes, states)
        # Support counts need no look-up: the item's state already drops one not above the last.
        known = await self.events.known({d.id for d in drafts if d.type != SupportsCounted.TYPE}, tx.session)
        fresh: list[Draft] = []
        for d in drafts:
            if d.id not in known:
                fresh.append(d)
                known.add(d.id)
        changed = [s for k, s in states.items() if before.get(k) != s.to_doc()]
        await self.events.save_states(changed, tx.session)
        if not fresh:
            return []
        first = await self.events.take_seqs(len(fresh), tx.session)
        recorded_at = self.clock.now()
        docs = []
        for n, d in enumerate(fresh):
            event = PublicEvent(
                id=d.id,
                type=d.type,
                version=d.data.VERSION,
                seq=first + n,
                time=d.time,
                recorded_at=recorded_at,
                agency=d.agency,
                item_id=d.item_id,
                data=d.data.model_dump(mode="json"),
            ).model_dump(mode="json")
            docs.append(
                {
                    "_id": d.id,
                    "seq": first + n,
                    "agency": d.agency,
                    "type": d.type,
                    "item_id": d.item_id,
                    "event": event,
                }
            )
        await self.events.insert(docs, tx.session)
        return docs
