"""The ledger writer's reading of the votes topic: a batch of records through the chassis consumer
it runs on, up to the votes it hands the ledger (pure: no Kafka, no MongoDB)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import TallyUpdated, VoteCast, VotesCast
from voting_svc.adapters.ledger import Ledger, LedgerVote
from voting_svc.entrypoints.ledger_writer import register_ledger_writer
from voting_svc.service_layer.recording import LedgerRecorder

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T = TypeVar("T")


class _Captured:
    """Stands in for the store (runs the batch's transaction body) and the ledger (keeps the votes
    it is handed, records nothing)."""

    def __init__(self) -> None:
        self.votes: list[LedgerVote] = []

    async def transaction(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        return await fn(self)

    def after_commit(self, fn: Callable[[], Awaitable[None]]) -> None:
        pass

    async def insert_new(self, tx: Tx, votes: Sequence[LedgerVote]) -> list[LedgerVote]:
        self.votes += votes
        return []

    async def add_to_tallies(self, tx: Tx, deltas: Sequence[object]) -> list[object]:
        return []


async def parse_votes(bodies: list[dict[str, object]], source: str, consumer: str) -> list[LedgerVote]:
    """The votes the ledger writer of `source` hands the ledger for this batch of records."""
    captured = _Captured()
    writer = EventConsumer(consumer, cast(Store, captured), batch_size=2000, only_from=source)
    register_ledger_writer(writer, LedgerRecorder(cast(Ledger, captured), lambda _: None))
    await writer.dispatch_batch(cast(list[dict[str, Any]], bodies))
    return captured.votes


def vote(n: int, item: str = "pr_1") -> VoteCast:
    return VoteCast(
        vote_id=f"vt_{n}", item_id=item, kind="support", citizen_key=f"ck-{n}", account_id=f"ac-{n}", cast_at=NOW
    )


def body(data: VoteCast | VotesCast | TallyUpdated, source: str = "voting-svc") -> dict[str, object]:
    return Envelope.wrap(data, source=source, agency="seoul", time=NOW).model_dump(mode="json")


async def test_a_batch_record_gives_each_of_its_votes_as_a_single_record_would() -> None:
    batch = body(VotesCast(item_id="pr_1", votes=[vote(1), vote(2), vote(3)]))
    single = body(vote(4))
    votes = await parse_votes([batch, single], "voting-svc", "test")
    assert [(v.vote_id, v.citizen_key, v.account_id, v.item_id) for v in votes] == [
        (f"vt_{n}", f"ck-{n}", f"ac-{n}", "pr_1") for n in (1, 2, 3, 4)
    ]
    assert {v.event_id for v in votes[:3]} == {batch["id"]}  # the record they came in
    assert votes[3].event_id == single["id"]
    assert all(v.agency == "seoul" and v.cast_at == NOW for v in votes)


async def test_records_of_other_sources_types_and_shapes_are_skipped() -> None:
    theirs = body(VotesCast(item_id="pr_1", votes=[vote(1)]), source="someone-else")
    tally = body(TallyUpdated(item_id="pr_1", kind="support", total=1, as_of=NOW, seq=1))
    broken = body(VotesCast(item_id="pr_1", votes=[vote(2)]))
    broken["data"] = {"item_id": "pr_1", "votes": []}  # a batch must hold a vote
    ok = body(vote(3))
    votes = await parse_votes([theirs, tally, broken, {"not": "an envelope"}, ok], "voting-svc", "test")
    assert [v.vote_id for v in votes] == ["vt_3"]
