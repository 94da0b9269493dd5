"""Recording votes: a batch from `gongnon.votes` into the ledger, tallies and one coalesced
`tally.updated` per item, all in the ledger writer's one transaction per batch (the events leave
through the outbox).

Idempotent: a vote already in the ledger (a redelivered batch, or a second vote of the same
citizen that slipped past a lost Redis claim) adds nothing and emits nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from pydantic import ValidationError

from gongnon_chassis.consumer import in_turns
from gongnon_chassis.grouping import group_by
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import TallyUpdated, VoteCast, VotesCast, VotesRecorded
from voting_svc.adapters.ledger import Ledger, LedgerVote
from voting_svc.domain.register import RegisterVote
from voting_svc.domain.tally import Tally, count


def snapshot_event(tally: Tally, fallback_time: datetime, *, repaired: bool = False) -> TallyUpdated:
    return TallyUpdated(
        item_id=tally.item_id,
        kind=tally.kind,
        total=tally.total,
        counts=dict(tally.counts),
        as_of=tally.as_of or fallback_time,
        seq=tally.seq,
        repaired=repaired,
    )


def ledger_votes(events: Iterable[tuple[EventData, Envelope]]) -> list[LedgerVote]:
    """Each vote of `vote.cast` and `votes.cast` events, as the ledger keeps it (the envelope gives
    its agency and the id of the record it came in)."""
    votes: list[LedgerVote] = []
    for data, env in events:
        cast = data.votes if isinstance(data, VotesCast) else [data] if isinstance(data, VoteCast) else []
        votes += [
            LedgerVote(
                vote_id=v.vote_id,
                item_id=v.item_id,
                kind=v.kind,
                citizen_key=v.citizen_key,
                account_id=v.account_id,
                choices=tuple(v.choices),
                cast_at=v.cast_at,
                channel=v.channel,
                agency=env.agency,
                event_id=env.id,
            )
            for v in cast
        ]
    return votes


def register_votes(bodies: Iterable[bytes], source: str) -> list[RegisterVote]:
    """The votes in raw `gongnon.votes` records, as the register keeps them: only this service's
    (as the ledger writer reads them); other records and malformed ones are skipped, as there."""
    events: list[tuple[EventData, Envelope]] = []
    for body in bodies:
        try:
            env = Envelope.model_validate_json(body)
            if env.source != source:
                continue
            if env.type == VotesCast.TYPE:
                events.append((VotesCast.model_validate(env.data), env))
            elif env.type == VoteCast.TYPE:
                events.append((VoteCast.model_validate(env.data), env))
        except ValidationError:
            continue
    return [RegisterVote(v.item_id, v.citizen_key, v.vote_id, v.choices) for v in ledger_votes(events)]


async def record_votes(tx: Tx, ledger: Ledger, votes: Sequence[LedgerVote]) -> list[Tally]:
    """Record the votes in the caller's transaction; returns the new snapshot of every item that
    gained votes."""
    if not votes:
        return []
    fresh = await ledger.insert_new(tx, votes)
    by_item = group_by(fresh, key=lambda v: v.item_id)
    firsts = {item_id: item_votes[0] for item_id, item_votes in by_item.items()}
    deltas = [(i, firsts[i].kind, count(v.counted() for v in item_votes)) for i, item_votes in by_item.items()]
    snapshots = await ledger.add_to_tallies(tx, deltas)
    for tally in snapshots:
        tx.emit(snapshot_event(tally, tx.now), agency=firsts[tally.item_id].agency)
    for event in votes_recorded([(firsts[i].agency, kind, delta.total) for i, kind, delta in deltas]):
        tx.emit(event, agency=event.agency)
    return snapshots


def votes_recorded(added: Iterable[tuple[str, str, int]]) -> list[VotesRecorded]:
    """One event per agency from (agency, kind, votes added) per item: what a batch added to the
    agency's totals. Only new ledger votes move them, so a recount that repairs a tally (to the
    ledger's count) does not: the totals never followed the tally."""
    by_agency: dict[str, dict[str, int]] = {}
    items: dict[str, int] = {}
    for agency, kind, n in added:
        if n:
            kinds = by_agency.setdefault(agency, {})
            kinds[kind] = kinds.get(kind, 0) + n
            items[agency] = items.get(agency, 0) + 1
    return [
        VotesRecorded(agency=agency, by_kind=kinds, items=items[agency]) for agency, kinds in sorted(by_agency.items())
    ]


class LedgerRecorder:
    """The ledger writer's use case: one batch of vote events, one transaction (the consumer's).
    `on_recorded` learns the new snapshots once they are committed (the tally view drops them)."""

    def __init__(self, ledger: Ledger, on_recorded: Callable[[list[Tally]], None]) -> None:
        self.ledger = ledger
        self.on_recorded = on_recorded

    async def record(self, tx: Tx, events: Sequence[tuple[EventData, Envelope]]) -> list[Tally]:
        votes: list[LedgerVote] = []
        # Thousands of votes: taken apart in slices, so the votes being cast meanwhile get through.
        async for part in in_turns(events):
            votes += ledger_votes(part)
        snapshots = await record_votes(tx, self.ledger, votes)

        async def recorded() -> None:
            self.on_recorded(snapshots)

        tx.after_commit(recorded)
        return snapshots
