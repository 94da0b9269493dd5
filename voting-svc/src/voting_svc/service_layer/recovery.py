"""Keeping Redis honest: restore it from the ledger when it lost its state, and reconcile
counters and tallies with the ledger on demand.

Restore: the marker key is missing (Redis restarted empty, or first start) → every instance
refuses votes (503) → one instance takes the lock, reads the votes still on their way to the
ledger (`gongnon.votes` after the ledger writer's committed offsets) and the ledger itself, writes
a claim for every vote and the live counters counted from them (domain/register.py), sets the
marker → votes open again. It does not wait for the ledger writer: after an outage the writer can
be minutes behind, and votes stayed closed all that time (`./dev chaos`: 330 s behind 185,603
records).

Reconcile: recount an item from the ledger; repair its tally (a new snapshot with a higher seq
and a `tally.updated`) and its live counter. Both repairs are skipped, never forced, when votes
land on the item while it is being recounted, so a repair cannot lose a concurrent vote."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import NotFound, Unavailable
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from voting_svc.adapters.ballots import BallotRepository
from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.kafka_offsets import CatchUpTimeout
from voting_svc.adapters.ledger import Ledger
from voting_svc.domain.register import RegisterRebuild, RegisterVote
from voting_svc.domain.tally import CountedVote, Tally, TallyDelta, combine, count
from voting_svc.service_layer.casting import VoteGate
from voting_svc.service_layer.recording import snapshot_event

log = logging.getLogger(__name__)

CatchUp = Callable[[float], Awaitable[None]]  # wait (at most N s) for the ledger writer to drain Kafka
# The votes on `gongnon.votes` the ledger writer has not committed yet (read within N s).
OnTheWay = Callable[[float], Awaitable[list[RegisterVote]]]

# Outlives the catch-up wait, and is extended while the restore makes progress, so a crashed
# restorer blocks votes for minutes at most.
RESTORE_LOCK_TTL_S = 150
CATCH_UP_TIMEOUT_S = 120.0
RECOUNT_CHUNK = 2000
TALLY_ATTEMPTS = 5


class RedisGuard:
    """Runs periodically: opens the vote gate while Redis holds its state, restores it when not."""

    def __init__(self, votes: RedisVotes, ledger: Ledger, gate: VoteGate, on_the_way: OnTheWay, clock: Clock) -> None:
        self.votes = votes
        self.ledger = ledger
        self.gate = gate
        self.on_the_way = on_the_way
        self.clock = clock
        self.owner = new_id("restore_")

    async def tick(self) -> None:
        try:
            present = await self.votes.state_present()
        except RedisError:
            self.gate.close()
            raise
        if present:
            self.gate.open()
            return
        self.gate.close()
        await self.restore()

    async def restore(self) -> bool:
        """Rebuild claims and live counters from the ledger; False if another instance is at it."""
        if not await self.votes.try_lock(self.owner, RESTORE_LOCK_TTL_S):
            return False
        try:
            log.warning("vote register missing in Redis: restoring it from the ledger and the votes topic")
            # The topic's tail first: a vote the writer moves into the ledger meanwhile is then
            # found in one of the two, or both (counted once).
            rebuild = RegisterRebuild(await self.on_the_way(CATCH_UP_TIMEOUT_S))
            await self._still_mine()
            claims = 0
            async for chunk in self.ledger.claims():
                rebuild.from_ledger(chunk)
                claims += await self.votes.restore_claims((v.item_id, v.citizen_key, v.vote_id) for v in chunk)
                await self._still_mine()
            rest = rebuild.still_on_the_way()
            claims += await self.votes.restore_claims((v.item_id, v.citizen_key, v.vote_id) for v in rest)
            # Another restorer may have finished while we worked (our lock expired): votes already
            # flow then, and overwriting the live counters now would drop some.
            if await self.votes.state_present():
                return True
            counters = rebuild.counters()
            for n, (item_id, (total, counts)) in enumerate(counters.items(), start=1):
                await self.votes.set_live(item_id, total, counts)
                if n % 1000 == 0:
                    await self._still_mine()
            await self.votes.mark_restored(self.clock.now().isoformat())
            log.warning(
                "vote register restored: %d claim(s) (%d still on the way to the ledger), %d counter(s)",
                claims,
                len(rest),
                len(counters),
            )
        finally:
            await self.votes.unlock(self.owner)
        self.gate.open()
        return True

    async def _still_mine(self) -> None:
        if not await self.votes.extend_lock(self.owner, RESTORE_LOCK_TTL_S):
            raise RestoreLockLost("another instance took over the restore")


class RestoreLockLost(Exception):
    pass


@dataclass
class ReconcileReport:
    checked: int = 0
    tallies_repaired: list[str] = field(default_factory=list)
    live_repaired: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # votes arrived during the recount; run again


class _TallyMoved(Exception):
    """The ledger writer changed the tally while we counted: our count may be stale."""


class Reconciler:
    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        ballots: BallotRepository,
        votes: RedisVotes,
        catch_up: CatchUp,
        gate: VoteGate,
        on_repaired: Callable[[str], None],
    ) -> None:
        self.gate = gate
        self.store = store
        self.ledger = ledger
        self.ballots = ballots
        self.votes = votes
        self.catch_up = catch_up
        self.on_repaired = on_repaired

    async def reconcile(self, item_id: str | None = None, agency: str | None = None) -> ReconcileReport:
        """Recount one item (or every item with a ballot) from the ledger and repair what drifted;
        with `agency`, only that agency's items (another agency's item is not found)."""
        if not self.gate.is_open:
            raise Unavailable("the vote register is being restored; reconcile afterwards", code="votes_recovering")
        if item_id is not None and agency is not None:
            ballot = await self.ballots.get(item_id)
            if ballot is None or ballot.agency != agency:
                raise NotFound("no ballot for this item in your agency", code="ballot_not_found")
        items = [item_id] if item_id is not None else [i async for i in self.ballots.item_ids()]
        # Live counters are read before Kafka is drained: a vote counted live before this point was
        # acknowledged before it, so it is in the ledger once the writer caught up.
        live_before = {i: await self.votes.live(i) for i in items}
        try:
            await self.catch_up(CATCH_UP_TIMEOUT_S)
        except CatchUpTimeout as exc:
            raise Unavailable(str(exc), code="ledger_behind") from exc
        report = ReconcileReport()
        for i in items:
            ballot = await self.ballots.get(i)
            if ballot is None or (agency is not None and ballot.agency != agency):
                continue
            report.checked += 1
            truth, tally_fixed = await self._repair_tally(i, ballot.kind.value, ballot.agency)
            if truth is None:
                report.busy.append(i)
                continue
            if tally_fixed:
                report.tallies_repaired.append(i)
            total, counts = live_before[i]
            if total != truth.total or _nonzero(counts) != _nonzero(truth.counts):
                if await self.votes.set_live_if_unchanged(i, live_before[i], truth.total, truth.counts):
                    report.live_repaired.append(i)
                else:
                    report.busy.append(i)
            if tally_fixed or i in report.live_repaired:
                self.on_repaired(i)
        if report.tallies_repaired or report.live_repaired:
            log.warning(
                "reconcile repaired tallies %s, live counters %s", report.tallies_repaired, report.live_repaired
            )
        return report

    async def recount(self, item_id: str) -> TallyDelta:
        total = TallyDelta()
        chunk: list[CountedVote] = []
        async for v in self.ledger.votes_of(item_id):
            chunk.append(v)
            if len(chunk) >= RECOUNT_CHUNK:
                total = combine(total, count(chunk))
                chunk = []
        return combine(total, count(chunk))

    async def _repair_tally(self, item_id: str, kind: str, agency: str) -> tuple[TallyDelta | None, bool]:
        """(the ledger's count, whether the tally was repaired); (None, False) if it kept moving."""
        for _ in range(TALLY_ATTEMPTS):
            before = await self.ledger.tally(item_id)
            truth = await self.recount(item_id)

            async def fix(tx: Tx, before: Tally | None = before, truth: TallyDelta = truth) -> bool:
                current = await self.ledger.read_tally(tx, item_id)
                if (current.seq if current else 0) != (before.seq if before else 0):
                    raise _TallyMoved
                fixed = (current or Tally(item_id=item_id, kind=kind)).corrected(truth)
                if fixed is None:
                    return False
                await self.ledger.write_tally(tx, fixed)
                # Marked repaired: consumers that only ever raise counts take it even when lower.
                tx.emit(snapshot_event(fixed, tx.now, repaired=True), agency=agency)
                return True

            try:
                return truth, await self.store.transaction(fix)
            except _TallyMoved:
                continue
        return None, False


class DriftSchedule:
    """Reconciles every item on a schedule, by the platform clock (so tests move it): drift from a
    lost Redis claim or a bug is repaired without anyone asking. The first run is one period after
    start, not at start: a restart must not recount the whole ledger."""

    def __init__(self, reconciler: Reconciler, clock: Clock, every: timedelta) -> None:
        self.reconciler = reconciler
        self.clock = clock
        self.every = every
        self.next_at: datetime | None = None

    async def tick(self) -> ReconcileReport | None:
        now = self.clock.now()
        if self.next_at is None:
            self.next_at = now + self.every
        if now < self.next_at:
            return None
        report = await self.reconciler.reconcile()
        # After the run, not from when it was due: a long recount is never started twice in a row.
        self.next_at = self.clock.now() + self.every
        return report


def _nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: n for k, n in counts.items() if n}
