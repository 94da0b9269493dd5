"""The one composition root of voting-svc: adapters, use cases, consumers and routes."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pydantic import Field

from gongnon_chassis.lease import holder_id
from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_chassis.settings import ServiceSettings
from gongnon_contracts import Topic
from voting_svc.adapters.ballots import BallotCache, BallotRepository
from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.imports import ImportReports
from voting_svc.adapters.kafka_offsets import (
    GroupLag,
    committed_offsets,
    end_offsets,
    records_between,
    wait_until_consumed,
)
from voting_svc.adapters.ledger import Ledger
from voting_svc.adapters.locks import Mutex, OwnedLocks
from voting_svc.domain.pacing import Bound, parse_bounds
from voting_svc.domain.register import RegisterVote
from voting_svc.domain.tally import Tally
from voting_svc.entrypoints import ledger_writer
from voting_svc.entrypoints.events import register_ballot_handlers
from voting_svc.entrypoints.http import build_router
from voting_svc.entrypoints.offline_http import build_offline_router
from voting_svc.service_layer.casting import Casting, VoteGate
from voting_svc.service_layer.closing import DEFAULT_CLOSE_GRACE, BallotCloser
from voting_svc.service_layer.defining import BallotDefiner
from voting_svc.service_layer.offline import OfflineImporter
from voting_svc.service_layer.pacing import DEFAULT_BEHIND_S, DEFAULT_MAX_WAIT_S, TICK_S, Pacer
from voting_svc.service_layer.recording import LedgerRecorder, register_votes
from voting_svc.service_layer.recovery import DriftSchedule, Reconciler, RedisGuard
from voting_svc.service_layer.tally_view import TallyView

GUARD_INTERVAL_S = 1.0


class VotingSettings(ServiceSettings):
    # How long after a ballot's end the closing scan counts it (votes in flight reach Kafka first).
    close_grace_s: float = Field(DEFAULT_CLOSE_GRACE.total_seconds(), alias="VOTING_CLOSE_GRACE_S", ge=0)
    # How often every item is recounted from the ledger and drift repaired (platform clock).
    reconcile_every_s: float = Field(24 * 3600.0, alias="VOTING_RECONCILE_EVERY_S", gt=0)
    # Pacing (domain/pacing.py): how far behind the ledger writer may be, as the floor in records
    # (0: unbounded), and further groups whose lag holds votes, as topic:group:floor. Each may be
    # VOTING_PACE_BEHIND_S of its own committing pace behind, and the floor whatever its pace.
    # proposal-svc's tally consumer keeps the public counts, and so the milestones: behind it, a
    # count shows late.
    # The ledger's floor is higher: a hot item's votes come as one record per batch, each a
    # thousand votes to write, so a healthy ledger writer is ~100 records behind there (held at
    # 100, `./dev bench votes` lost a fifth of its rate and its p99 went from 74 ms to 1.5 s).
    ledger_behind_max: int = Field(400, alias="VOTING_LEDGER_BEHIND_MAX", ge=0)
    pace_also: str = Field(f"{Topic.TALLIES.value}:proposal-svc.tallies:100", alias="VOTING_PACE_ALSO")
    pace_behind_s: float = Field(DEFAULT_BEHIND_S, alias="VOTING_PACE_BEHIND_S", ge=0)
    pace_max_wait_s: float = Field(DEFAULT_MAX_WAIT_S, alias="VOTING_PACE_MAX_WAIT_S", ge=0)


def build_app(settings: VotingSettings) -> FastAPI:
    rt = create_runtime(settings)
    repo = BallotRepository(rt.db)
    cache = BallotCache(repo)
    ledger = Ledger(rt.db)
    # The namespace keeps two deployments (or two test modules) apart on one Redis.
    votes = RedisVotes(rt.redis, settings.db_name())
    gate = VoteGate()
    tallies = TallyView(ledger, votes)

    def recorded(snapshots: list[Tally]) -> None:
        for t in snapshots:
            tallies.forget(t.item_id)

    # Only the votes this service accepted count (tests and benches share a broker). One instance's
    # batch at a time: two instances' 2,000-vote transactions at once stalled SecantusDB for
    # minutes (issue 16); the database, not the writer, is the limit either way.
    locks = OwnedLocks(rt.redis)
    one_writer = Mutex(locks, votes.keys.ledger_lock, holder_id())
    writer = rt.consumer(
        ledger_writer.NAME, batch_size=ledger_writer.BATCH, only_from=settings.service_name, serial=one_writer
    )
    ledger_writer.register_ledger_writer(writer, LedgerRecorder(ledger, recorded))

    async def catch_up(timeout_s: float) -> None:
        await wait_until_consumed(settings.kafka_bootstrap, writer.name, Topic.VOTES.value, timeout_s)

    async def on_the_way(timeout_s: float) -> list[RegisterVote]:
        votes_topic = Topic.VOTES.value
        end = await end_offsets(settings.kafka_bootstrap, votes_topic)
        done = await committed_offsets(settings.kafka_bootstrap, writer.name)
        start = {tp: o for tp, o in done.items() if tp.topic == votes_topic}
        bodies = await records_between(settings.kafka_bootstrap, start, end, timeout_s)
        return register_votes(bodies, settings.service_name)

    definer = BallotDefiner(rt.store, repo, cache)
    register_ballot_handlers(rt.consumer("ballots"), definer)
    guard = RedisGuard(votes, ledger, gate, on_the_way, rt.clock)
    # Runs after the broker started (the restore waits for the ledger writer to drain Kafka).
    rt.every(GUARD_INTERVAL_S, guard.tick, "redis-guard")

    lag = GroupLag(settings.kafka_bootstrap)
    bounds = [Bound(Topic.VOTES.value, writer.name, settings.ledger_behind_max), *parse_bounds(settings.pace_also)]
    pacer = Pacer(
        [b for b in bounds if b.max_behind > 0], lag.progress, settings.pace_max_wait_s, settings.pace_behind_s
    )
    rt.every(TICK_S, pacer.tick, "pace-votes")
    casting = Casting(cache, votes, rt.producer, rt.clock, gate, settings.service_name, pacer)
    offline = OfflineImporter(
        casting,
        votes,
        locks,
        ImportReports(rt.db),
        rt.producer,
        rt.clock,
        gate,
        settings.service_name,
    )
    reconciler = Reconciler(rt.store, ledger, repo, votes, catch_up, gate, tallies.forget)
    drift = DriftSchedule(reconciler, rt.clock, timedelta(seconds=settings.reconcile_every_s))
    rt.every(settings.scheduler_interval_s, drift.tick, "reconcile-drift")
    closer = BallotCloser(rt.store, repo, ledger, cache, catch_up, timedelta(seconds=settings.close_grace_s))
    rt.every(settings.scheduler_interval_s, closer.scan, "close-ballots")

    async def ensure_indexes(_: Runtime) -> None:
        await ledger.ensure_indexes()
        await repo.ensure_indexes()

    async def close_lag(_: Runtime) -> None:
        await lag.close()

    app = create_app(
        rt,
        [build_router(casting, tallies, definer, reconciler), build_offline_router(offline)],
        on_start=[ensure_indexes],
        on_stop=[close_lag],
        title="voting-svc",
        description="Every vote of every kind, one person one vote, live tallies.",
    )
    app.state.vote_gate = gate
    app.state.pacer = pacer
    app.state.redis_guard = guard
    app.state.ballot_closer = closer
    return app
