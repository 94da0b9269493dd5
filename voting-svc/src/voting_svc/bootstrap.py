"""The one composition root of voting-svc."""

from __future__ import annotations

from fastapi import FastAPI

from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_chassis.settings import ServiceSettings
from gongnon_contracts import Topic
from voting_svc.adapters.ballots import BallotCache, BallotRepository
from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.kafka_offsets import wait_until_consumed
from voting_svc.adapters.ledger import Ledger
from voting_svc.casting import Casting, VoteGate
from voting_svc.defining import BallotDefiner
from voting_svc.domain.tally import Tally
from voting_svc.entrypoints.events import register_ballot_handlers
from voting_svc.entrypoints.http import build_router
from voting_svc.entrypoints.ledger_writer import attach_ledger_writer
from voting_svc.recovery import Reconciler, RedisGuard
from voting_svc.views import TallyView

GUARD_INTERVAL_S = 1.0


def build_app(settings: ServiceSettings) -> FastAPI:
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

    group = attach_ledger_writer(rt.broker, rt.store, ledger, settings.service_name, recorded)

    async def catch_up(timeout_s: float) -> None:
        await wait_until_consumed(settings.kafka_bootstrap, group, Topic.VOTES.value, timeout_s)

    register_ballot_handlers(rt, repo, cache)
    guard = RedisGuard(votes, ledger, gate, catch_up, rt.clock)
    # Runs after the broker started (the restore waits for the ledger writer to drain Kafka).
    rt.every(GUARD_INTERVAL_S, guard.tick, "redis-guard")

    casting = Casting(cache, votes, rt.producer, rt.clock, gate, settings.service_name)
    definer = BallotDefiner(rt.store, repo, cache)
    reconciler = Reconciler(rt.store, ledger, repo, votes, catch_up, gate, tallies.forget)

    async def ensure_indexes(_: Runtime) -> None:
        await ledger.ensure_indexes()

    app = create_app(
        rt,
        [build_router(casting, tallies, definer, reconciler)],
        on_start=[ensure_indexes],
        title="voting-svc",
        description="Every vote of every kind, one person one vote, live tallies.",
    )
    app.state.vote_gate = gate
    app.state.redis_guard = guard
    return app
