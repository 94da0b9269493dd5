"""The ledger writer's reading of the votes topic (pure: no Kafka, no MongoDB)."""

from __future__ import annotations

from datetime import UTC, datetime

from gongnon_contracts import Envelope
from gongnon_contracts.events import TallyUpdated, VoteCast, VotesCast
from voting_svc.entrypoints.ledger_writer import parse_votes

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def vote(n: int, item: str = "pr_1") -> VoteCast:
    return VoteCast(
        vote_id=f"vt_{n}", item_id=item, kind="support", citizen_key=f"ck-{n}", account_id=f"ac-{n}", cast_at=NOW
    )


def body(data: VoteCast | VotesCast | TallyUpdated, source: str = "voting-svc") -> dict[str, object]:
    return Envelope.wrap(data, source=source, agency="seoul", time=NOW).model_dump(mode="json")


def test_a_batch_record_gives_each_of_its_votes_as_a_single_record_would() -> None:
    batch = body(VotesCast(item_id="pr_1", votes=[vote(1), vote(2), vote(3)]))
    single = body(vote(4))
    votes = parse_votes([batch, single], "voting-svc", "test")
    assert [(v.vote_id, v.citizen_key, v.account_id, v.item_id) for v in votes] == [
        (f"vt_{n}", f"ck-{n}", f"ac-{n}", "pr_1") for n in (1, 2, 3, 4)
    ]
    assert {v.event_id for v in votes[:3]} == {batch["id"]}  # the record they came in
    assert votes[3].event_id == single["id"]
    assert all(v.agency == "seoul" and v.cast_at == NOW for v in votes)


def test_records_of_other_sources_types_and_shapes_are_skipped() -> None:
    theirs = body(VotesCast(item_id="pr_1", votes=[vote(1)]), source="someone-else")
    tally = body(TallyUpdated(item_id="pr_1", kind="support", total=1, as_of=NOW, seq=1))
    broken = body(VotesCast(item_id="pr_1", votes=[vote(2)]))
    broken["data"] = {"item_id": "pr_1", "votes": []}  # a batch must hold a vote
    ok = body(vote(3))
    votes = parse_votes([theirs, tally, broken, {"not": "an envelope"}, ok], "voting-svc", "test")
    assert [v.vote_id for v in votes] == ["vt_3"]
