"""The ledger writer: the chassis consumer `<service>.ledger` of `gongnon.votes`, in batches of up
to BATCH = 2,000 records (parsed in slices, so votes being cast get through meanwhile), one
transaction each: ledger, tallies and one `tally.updated` per item through the outbox. Offsets
are committed only after that transaction; a failed batch comes again after a pause, which the
ledger's unique key makes harmless, so the votes need no inbox marker (`idempotent=True`). Only
votes this service accepted count (it alone owns the topic; tests and benches share a broker):
bootstrap makes the consumer read only its own records."""

from __future__ import annotations

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import VoteCast, VotesCast
from voting_svc.service_layer.recording import LedgerRecorder

NAME = "ledger"
BATCH = 2000


def ledger_group(service_name: str) -> str:
    """The writer's consumer group (recovery and the benches watch its offsets)."""
    return f"{service_name}.{NAME}"


def register_ledger_writer(consumer: EventConsumer, recorder: LedgerRecorder) -> None:
    # Single votes (offline imports) and batches of votes between them form one run: one write.
    @consumer.on_many(VotesCast, VoteCast, idempotent=True)
    async def write_ledger(events: list[tuple[EventData, Envelope]], tx: Tx) -> None:
        await recorder.record(tx, events)
