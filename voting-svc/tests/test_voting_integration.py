"""voting-svc against real Kafka, MongoDB and Redis: the app runs with its lifespan (ledger
writer, ballot consumer, outbox relay, Redis guard) and is called over ASGI like the gateway."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from gongnon_chassis.actor import ACTOR_HEADER, RELAY, Actor
from gongnon_chassis.actor_tokens import ActorTokenSigner, new_signing_key
from gongnon_chassis.clock import SystemClock
from gongnon_chassis.kafka import Producer, Record
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope, EventData, Topic, new_id
from gongnon_contracts.events import ItemClosed, ProposalSubmitted, VoteCast
from gongnon_contracts.events.common import ActorRole
from voting_svc.adapters.dedupe import RedisVotes
from voting_svc.adapters.kafka_offsets import wait_until_consumed
from voting_svc.adapters.ledger import Ledger
from voting_svc.adapters.locks import Mutex, OwnedLocks
from voting_svc.bootstrap import VotingSettings, build_app
from voting_svc.domain.pacing import Bound
from voting_svc.entrypoints.ledger_writer import ledger_group
from voting_svc.service_layer.pacing import Pacer

Poll = Callable[..., Awaitable[Any]]


@dataclass
class Svc:
    app: Any
    rt: Runtime
    http: Any
    votes: RedisVotes
    bootstrap: str
    group: str
    poll: Poll

    async def publish(self, data: EventData, source: str = "proposal-svc", event_id: str | None = None) -> Envelope:
        env = Envelope.wrap(data, source=source, agency="seoul", time=self.rt.clock.now(), event_id=event_id)
        producer = Producer(self.bootstrap, "voting-svc-test")
        await producer.start()
        try:
            await producer.send(data.TOPIC, data.subject(), env.model_dump(mode="json"))
        finally:
            await producer.stop()
        return env

    async def new_proposal(self) -> str:
        item_id = new_id("pr_")
        await self.publish(
            ProposalSubmitted(
                item_id=item_id,
                title="고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
                category="환경",
                district="구로구",
                author_account="acc-author",
                author_role=ActorRole.CITIZEN,
                rule_set_id="democracy-seoul-2019",
                listed=True,
            )
        )
        await self.poll(lambda: self.rt.db.ballots.find_one({"_id": item_id}), lambda d: d is not None)
        return item_id

    async def ledger_count(self, item_id: str) -> int:
        return int(await self.rt.db.ledger.count_documents({"item_id": item_id}))

    async def recorded_supports(self, agency: str = "seoul") -> int:
        """The supports the agency's `votes.recorded` events added up to."""
        events = await outbox_envelopes(self.rt.db, key=agency, type="votes.recorded")
        return sum(e["data"]["by_kind"].get("support", 0) for e in events)

    async def tally_events(self, item_id: str) -> list[dict[str, Any]]:
        return [e["data"] for e in await outbox_envelopes(self.rt.db, key=item_id, type="tally.updated")]

    async def drained(self) -> None:
        """Wait until the ledger writer has committed everything on gongnon.votes so far."""
        await wait_until_consumed(self.bootstrap, self.group, Topic.VOTES.value, 90)


def citizen(i: int | str) -> dict[str, str]:
    return Actor(account_id=f"acc-{i}", role=ActorRole.CITIZEN, citizen_key=f"ck-{i}").header()


OPERATOR = Actor(account_id="op-1", role=ActorRole.OPERATOR, agency="seoul").header()
# The gateway's support relay: the one caller whose batches may carry citizens' actors.
BY_RELAY = RELAY.header()


@pytest.fixture(scope="module")
async def svc(infra: Any, asgi_client: Any, poll: Poll) -> AsyncIterator[Svc]:
    name = f"voting-it-{uuid.uuid4().hex[:8]}"
    settings = VotingSettings(
        SERVICE_NAME=name,
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        OUTBOX_POLL_S=0.2,
    )
    app = build_app(settings)
    rt: Runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        # A fresh namespace has no register marker: the guard restores (from an empty ledger) first.
        await asyncio.wait_for(app.state.vote_gate.opened.wait(), 120)
        yield Svc(
            app=app,
            rt=rt,
            http=asgi_client(app),
            votes=RedisVotes(rt.redis, settings.db_name()),
            bootstrap=infra.kafka_bootstrap,
            group=ledger_group(name),
            poll=poll,
        )


async def test_fifty_supports_with_concurrent_duplicates_count_exactly_fifty(svc: Svc) -> None:
    item = await svc.new_proposal()
    await svc.drained()
    recorded_before = await svc.recorded_supports()
    # 50 citizens; ten of them press the button twice at the same moment.
    calls = [svc.http.post(f"/items/{item}/support", headers=citizen(i)) for i in range(50)]
    calls += [svc.http.post(f"/items/{item}/support", headers=citizen(i)) for i in range(10)]
    results = await asyncio.gather(*calls)

    created = [body for status, body in results if status == 201]
    conflicts = [body for status, body in results if status == 409]
    assert len(created) == 50, results
    assert len(conflicts) == 10
    # A duplicate racing the first vote sees it pending (not yet on Kafka), a later one confirmed.
    assert all(b["error"]["code"] in {"already_voted", "vote_pending"} for b in conflicts)
    assert all(b["item_id"] == item and b["counted"] is True for b in created)
    assert sorted(b["total"] for b in created) == list(range(1, 51))  # every live count seen once

    # A late duplicate after everything settled is refused too.
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen(7))
    assert (status, body["error"]["code"]) == (409, "already_voted")

    await svc.poll(lambda: svc.ledger_count(item), lambda n: n >= 50)
    events = await svc.poll(lambda: svc.tally_events(item), lambda evs: any(e["total"] == 50 for e in evs))
    await svc.drained()
    assert await svc.ledger_count(item) == 50
    events = await svc.tally_events(item)
    assert max(e["total"] for e in events) == 50
    # Coalesced snapshots: absolute counts that grow with seq.
    by_seq = sorted(events, key=lambda e: e["seq"])
    assert [e["total"] for e in by_seq] == sorted(e["total"] for e in events)
    assert len({e["seq"] for e in events}) == len(events)
    assert all(e["kind"] == "support" for e in events)
    # The agency's total moved by exactly the fifty, once per ledger batch, not per item or vote.
    assert await svc.recorded_supports() - recorded_before == 50

    status, tally = await svc.poll(lambda: svc.http.get(f"/items/{item}/tally"), lambda r: r[1]["total"] == 50)
    assert status == 200
    assert tally["kind"] == "support"
    assert tally["counts"] == {}
    assert tally["live_total"] == 50


async def test_votes_wait_while_the_ledger_is_behind_and_go_once_it_caught_up(svc: Svc) -> None:
    """Pacing over the real pipeline: the ledger writer is stopped (another holder of its lock), so
    the votes accepted meanwhile pile up on Kafka; past the bound, the next vote is held, not
    refused, and goes through once the writer has recorded the backlog."""
    pacer: Pacer = svc.app.state.pacer
    bounds, max_wait = pacer.bounds, pacer.max_wait_s
    items = [await svc.new_proposal() for _ in range(4)]
    await svc.drained()
    pacer.bounds, pacer.max_wait_s = [Bound(Topic.VOTES.value, svc.group, 2)], 120
    lock = svc.votes.keys.ledger_lock
    locks = OwnedLocks(svc.rt.redis)
    await svc.poll(lambda: locks.take(lock, "test-holder", 300), bool)
    try:
        for i, item in enumerate(items[:3]):  # three records on their way, none recorded
            assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"pace-{i}")))[0] == 201
        await svc.poll(lambda: _ticked(pacer), lambda holding: holding)
        held = asyncio.create_task(svc.http.post(f"/items/{items[3]}/support", headers=citizen("pace-late")))
        await asyncio.sleep(1.0)
        assert not held.done()  # waiting for the ledger, not refused
        assert await svc.ledger_count(items[0]) == 0
    finally:
        await locks.give_back(lock, "test-holder")
    status, body = await asyncio.wait_for(held, 60)
    assert status == 201, body
    assert body["total"] == 1
    assert not pacer.holding
    await svc.drained()
    assert [await svc.ledger_count(i) for i in items] == [1, 1, 1, 1]
    pacer.bounds, pacer.max_wait_s = bounds, max_wait


async def _ticked(pacer: Pacer) -> bool:
    await asyncio.sleep(0.3)  # the pacer's own tick measures again meanwhile
    return pacer.holding


def actor_of(i: int | str, *, verified: bool = True) -> dict[str, Any]:
    return Actor(account_id=f"acc-{i}", role=ActorRole.CITIZEN, citizen_key=f"ck-{i}" if verified else None).model_dump(
        mode="json"
    )


async def test_a_batch_of_supports_answers_each_as_its_own_request_would(svc: Svc) -> None:
    item = await svc.new_proposal()
    assert (await svc.http.post(f"/items/{item}/support", headers=citizen("b-early")))[0] == 201
    supports = [
        {"item_id": item, "actor": actor_of("b-1")},
        {"item_id": item, "actor": actor_of("b-early")},  # voted already, on its own
        {"item_id": item, "actor": actor_of("b-2", verified=False)},
        {"item_id": "pr_nothing_here", "actor": actor_of("b-3")},
        {"item_id": item, "actor": actor_of("b-4")},
        {"item_id": item, "actor": actor_of("b-4")},  # the same citizen twice in one batch
    ]
    status, body = await svc.http.post("/supports", json={"supports": supports}, headers=BY_RELAY)
    assert status == 200
    got = [(r["status"], r["body"].get("error", {}).get("code")) for r in body["results"]]
    assert got[:4] == [(201, None), (409, "already_voted"), (403, "verification_required"), (404, "item_not_votable")]
    assert sorted(got[4:]) == [(201, None), (409, "vote_pending")]
    assert body["results"][0]["body"]["item_id"] == item
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n >= 3)
    await svc.drained()
    assert await svc.ledger_count(item) == 3

    # A malformed batch is refused whole, before any vote: no 500, nothing counted.
    for bad in ({"supports": []}, {"supports": [{"item_id": "a/b", "actor": actor_of("b-5")}]}, {"x": 1}):
        status, body = await svc.http.post("/supports", json=bad, headers=BY_RELAY)
        assert (status, body["error"]["code"]) == (422, "validation_error")
    assert await svc.ledger_count(item) == 3


async def test_a_forged_actor_is_refused_and_counts_nothing(svc: Svc) -> None:
    item = await svc.new_proposal()
    citizen_f = Actor(account_id="acc-f", role=ActorRole.CITIZEN, citizen_key="ck-f")
    forged = [
        {ACTOR_HEADER: json.dumps(citizen_f.model_dump(mode="json"))},  # plain JSON, as before
        ActorTokenSigner(new_signing_key("gongnon-dev"), SystemClock()).header(citizen_f),  # another key
    ]
    for headers in forged:
        status, body = await svc.http.post(f"/items/{item}/support", headers=headers)
        assert (status, body["error"]["code"]) == (401, "actor_token_invalid")
    # A batch carries citizens in its body: only the gateway's relay, signed, may send one.
    batch = {"supports": [{"item_id": item, "actor": citizen_f.model_dump(mode="json")}]}
    for headers, expected in [
        ({}, (401, "unauthorized")),
        ({ACTOR_HEADER: json.dumps(RELAY.model_dump(mode="json"))}, (401, "actor_token_invalid")),
        (citizen("f"), (403, "relay_only")),
        (OPERATOR, (403, "relay_only")),
    ]:
        status, body = await svc.http.post("/supports", json=batch, headers=headers)
        assert (status, body["error"]["code"]) == expected
    assert (await svc.votes.live(item))[0] == 0
    status, body = await svc.http.post("/supports", json=batch, headers=BY_RELAY)
    assert (status, body["results"][0]["status"]) == (200, 201)


async def test_ledger_writer_ignores_redelivered_and_second_votes(svc: Svc) -> None:
    item = await svc.new_proposal()
    for i in range(3):
        assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"r{i}")))[0] == 201
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 3)
    await svc.drained()
    before = await svc.tally_events(item)
    vote = await svc.rt.db.ledger.find_one({"item_id": item, "citizen_key": "ck-r0"})
    cast = VoteCast(
        vote_id=vote["vote_id"],
        item_id=item,
        kind="support",
        citizen_key="ck-r0",
        account_id="acc-r0",
        cast_at=vote["cast_at"],
    )
    source = svc.rt.settings.service_name
    await svc.publish(cast, source=source, event_id=vote["event_id"])  # the same event again
    await svc.publish(cast.model_copy(update={"vote_id": new_id("vt_")}), source=source)  # a second vote
    await svc.drained()
    assert await svc.ledger_count(item) == 3
    assert await svc.tally_events(item) == before


async def test_unverified_actor_is_refused(svc: Svc) -> None:
    item = await svc.new_proposal()
    unverified = Actor(account_id="acc-x", role=ActorRole.CITIZEN).header()
    status, body = await svc.http.post(f"/items/{item}/support", headers=unverified)
    assert (status, body["error"]["code"]) == (403, "verification_required")
    status, body = await svc.http.post(f"/items/{item}/support")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert (await svc.votes.live(item))[0] == 0


async def test_unknown_item_is_not_votable(svc: Svc) -> None:
    for status, body in [
        await svc.http.post("/items/pr_nope/support", headers=citizen(1)),
        await svc.http.get("/items/pr_nope/tally"),
    ]:
        assert (status, body["error"]["code"]) == (404, "item_not_votable")


async def test_kafka_failure_counts_nothing_and_the_citizen_can_retry(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = await svc.new_proposal()
    real_send = svc.rt.producer.send_each
    failures = 0

    async def failing_once(records: Sequence[Record]) -> list[Exception | None]:
        nonlocal failures
        if failures == 0:
            failures += 1
            return [TimeoutError("broker unavailable") for _ in records]
        return await real_send(records)

    monkeypatch.setattr(svc.rt.producer, "send_each", failing_once)
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("k"))
    assert (status, body["error"]["code"]) == (503, "vote_not_recorded")
    assert (await svc.votes.live(item))[0] == 0
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("k"))
    assert (status, body["total"]) == (201, 1)
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("k"))
    assert status == 409


async def test_lost_redis_state_is_restored_from_the_ledger_before_votes_resume(svc: Svc) -> None:
    item = await svc.new_proposal()
    for i in range(5):
        assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"l{i}")))[0] == 201
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 5)

    # Hold the restore lock so the guard cannot restore before we look; then lose every key.
    assert await svc.votes.try_lock("test", 120)
    ns = svc.votes.keys.ns
    keys = [k async for k in svc.rt.redis.scan_iter(match=f"{ns}:*") if k != svc.votes.keys.restore_lock]
    await svc.rt.redis.delete(*keys)

    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("l0"))
    assert (status, body["error"]["code"]) == (503, "votes_recovering")
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("new"))
    assert (status, body["error"]["code"]) == (503, "votes_recovering")

    await svc.votes.unlock("test")
    await svc.poll(lambda: svc.votes.state_present(), bool)
    await asyncio.wait_for(svc.app.state.vote_gate.opened.wait(), 60)

    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("l0"))
    assert (status, body["error"]["code"]) == (409, "already_voted")
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("new"))
    assert (status, body["total"]) == (201, 6)
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 6)


async def test_reconcile_repairs_counters_and_tallies_from_the_ledger(svc: Svc) -> None:
    item = await svc.new_proposal()
    for i in range(4):
        assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"c{i}")))[0] == 201
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 4)
    await svc.drained()

    status, body = await svc.http.post("/admin/reconcile", json={"item_id": item}, headers=citizen(1))
    assert (status, body["error"]["code"]) == (403, "forbidden")

    status, report = await svc.http.post("/admin/reconcile", json={"item_id": item}, headers=OPERATOR)
    assert status == 200
    assert report == {"checked": 1, "tallies_repaired": [], "live_repaired": [], "busy": []}

    # Drift: the live counter and the tally both disagree with the ledger.
    await svc.votes.set_live(item, 7, {})
    await svc.rt.db.tallies.update_one({"_id": item}, {"$set": {"total": 2}})
    seq_before = max(e["seq"] for e in await svc.tally_events(item))
    recorded_before = await svc.recorded_supports()

    status, report = await svc.http.post("/admin/reconcile", json={"item_id": item}, headers=OPERATOR)
    assert status == 200
    assert report["tallies_repaired"] == [item]
    assert report["live_repaired"] == [item]
    assert (await svc.votes.live(item))[0] == 4
    events = await svc.tally_events(item)
    latest = max(events, key=lambda e: e["seq"])
    assert (latest["total"], latest["seq"], latest["repaired"]) == (4, seq_before + 1, True)
    assert not any(e["repaired"] for e in events if e["seq"] <= seq_before)
    # The agency's totals count ledger votes, which the drift never touched: the repair moves none.
    assert await svc.recorded_supports() == recorded_before
    status, tally = await svc.http.get(f"/items/{item}/tally")
    assert (tally["total"], tally["live_total"]) == (4, 4)

    # Another agency's operator cannot recount it, and an all-items run of theirs skips it.
    busan = Actor(account_id="op-b", role=ActorRole.OPERATOR, agency="busan").header()
    status, body = await svc.http.post("/admin/reconcile", json={"item_id": item}, headers=busan)
    assert (status, body["error"]["code"]) == (404, "ballot_not_found")
    await svc.votes.set_live(item, 9, {})
    status, report = await svc.http.post("/admin/reconcile", headers=busan)
    assert status == 200
    assert item not in report["live_repaired"]
    assert (await svc.votes.live(item))[0] == 9

    # All items: nothing left to repair anywhere.
    status, report = await svc.http.post("/admin/reconcile", headers=OPERATOR)
    assert status == 200
    assert report["tallies_repaired"] == []
    assert report["checked"] >= 1


async def test_closed_item_takes_no_more_supports(svc: Svc) -> None:
    item = await svc.new_proposal()
    assert (await svc.http.post(f"/items/{item}/support", headers=citizen("z1")))[0] == 201
    await svc.publish(ItemClosed(item_id=item, reason="window ended", closed_at=svc.rt.clock.now()))
    await svc.poll(lambda: svc.rt.db.ballots.find_one({"_id": item}), lambda d: d["status"] == "closed")
    status, body = await svc.poll(
        lambda: svc.http.post(f"/items/{item}/support", headers=citizen("z2")), lambda r: r[0] != 201
    )
    assert (status, body["error"]["code"]) == (409, "voting_closed")


async def test_choice_and_decision_ballots(svc: Svc) -> None:
    consult = new_id("cs_")
    spec = {
        "kind": "choice",
        "options": [{"id": "yes", "label": "찬성"}, {"id": "no", "label": "반대"}, {"id": "other", "label": "기타"}],
    }
    status, body = await svc.http.put(f"/items/{consult}/ballot", json=spec, headers=citizen(1))
    assert status == 403
    status, body = await svc.http.put(f"/items/{consult}/ballot", json=spec, headers=OPERATOR)
    assert (status, body["kind"]) == (201, "choice")
    assert (await svc.http.put(f"/items/{consult}/ballot", json=spec, headers=OPERATOR))[0] == 200
    status, body = await svc.http.put(f"/items/{consult}/ballot", json={"kind": "support"}, headers=OPERATOR)
    assert (status, body["error"]["code"]) == (409, "ballot_exists")

    picks = ["yes"] * 3 + ["no"] * 5 + ["other"]
    for i, pick in enumerate(picks):
        status, body = await svc.http.post(f"/items/{consult}/votes", json={"choices": [pick]}, headers=citizen(i))
        assert status == 201, body
    status, body = await svc.http.post(f"/items/{consult}/votes", json={"choices": ["maybe"]}, headers=citizen(99))
    assert (status, body["error"]["code"]) == (422, "invalid_choice")
    status, body = await svc.http.post(f"/items/{consult}/support", headers=citizen(98))
    assert (status, body["error"]["code"]) == (409, "wrong_vote_kind")

    status, tally = await svc.poll(lambda: svc.http.get(f"/items/{consult}/tally"), lambda r: r[1]["total"] == 9)
    assert tally["counts"] == {"yes": 3, "no": 5, "other": 1}
    assert tally["live_total"] == 9

    decision = new_id("dc_")
    status, _ = await svc.http.put(
        f"/items/{decision}/ballot", json={"kind": "decision", "budget_krw": 1_000_000_000}, headers=OPERATOR
    )
    assert status == 201
    for i, pick in enumerate(["yes", "yes", "no"]):
        assert (await svc.http.post(f"/items/{decision}/votes", json={"choices": [pick]}, headers=citizen(i)))[0] == 201
    status, tally = await svc.poll(lambda: svc.http.get(f"/items/{decision}/tally"), lambda r: r[1]["total"] == 3)
    assert tally["decision"] == {
        "quorum": 10_000,
        "turnout": 3,
        "yes": 2,
        "no": 1,
        "majority": True,
        "quorum_met": False,
        "passed": False,
    }


async def test_the_register_is_restored_without_waiting_for_the_ledger_writer(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Votes still on their way to the ledger (the writer is held, as when it is minutes behind
    after an outage) are read from the topic: claimed and counted, so votes open again at once and
    no one on the way can vote twice."""
    item = await svc.new_proposal()
    for i in range(3):
        assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"w{i}")))[0] == 201
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 3)

    release = asyncio.Event()
    insert_new = Ledger.insert_new

    async def held(self: Ledger, tx: Any, votes: Any) -> Any:
        await release.wait()
        return await insert_new(self, tx, votes)

    monkeypatch.setattr(Ledger, "insert_new", held)
    try:
        for i in range(3, 6):
            assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"w{i}")))[0] == 201
        assert await svc.votes.try_lock("test", 120)
        ns = svc.votes.keys.ns
        keys = [k async for k in svc.rt.redis.scan_iter(match=f"{ns}:*") if k != svc.votes.keys.restore_lock]
        await svc.rt.redis.delete(*keys)
        await svc.votes.unlock("test")
        await svc.poll(lambda: svc.votes.state_present(), bool)
        await asyncio.wait_for(svc.app.state.vote_gate.opened.wait(), 60)

        assert await svc.ledger_count(item) == 3  # restored while the writer still held three back
        assert (await svc.votes.live(item))[0] == 6
        status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("w4"))
        assert (status, body["error"]["code"]) == (409, "already_voted")
        status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("w-new"))
        assert (status, body["total"]) == (201, 7)
    finally:
        release.set()
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 7)


async def test_redis_restarted_empty_refuses_votes_until_restored(svc: Svc, infra: Any) -> None:
    if infra.local is None or "redis" not in infra.local.procs:
        pytest.skip("needs a Redis process this test session owns")
    item = await svc.new_proposal()
    for i in range(3):
        assert (await svc.http.post(f"/items/{item}/support", headers=citizen(f"x{i}")))[0] == 201

    await asyncio.to_thread(infra.local.restart_redis_empty)

    # Until the register is back every vote is refused with 503, never counted twice.
    status, body = await svc.poll(
        lambda: svc.http.post(f"/items/{item}/support", headers=citizen("x0")), lambda r: r[0] != 503
    )
    assert (status, body["error"]["code"]) == (409, "already_voted")
    assert await svc.votes.state_present()
    status, body = await svc.http.post(f"/items/{item}/support", headers=citizen("x-new"))
    assert (status, body["total"]) == (201, 4)
    await svc.poll(lambda: svc.ledger_count(item), lambda n: n == 4)


async def test_research_and_multi_ballots_count_per_answer(svc: Svc) -> None:
    research = new_id("rs_")
    yes_no = [{"id": "yes", "label": "예"}, {"id": "no", "label": "아니오"}]
    spec = {
        "kind": "research",
        "questions": [
            {"id": "q1", "label": "응원봉을 쓰나요?", "options": yes_no},
            {"id": "q2", "label": "금지에 찬성하나요?", "options": yes_no},
        ],
    }
    assert (await svc.http.put(f"/items/{research}/ballot", json=spec, headers=OPERATOR))[0] == 201
    for i, answers in enumerate([["q1:yes", "q2:no"], ["q2:yes", "q1:yes"], ["q1:no", "q2:yes"]]):
        status, body = await svc.http.post(f"/items/{research}/votes", json={"choices": answers}, headers=citizen(i))
        assert status == 201, body
    status, body = await svc.http.post(f"/items/{research}/votes", json={"choices": ["q1:yes"]}, headers=citizen(9))
    assert (status, body["error"]["code"]) == (422, "invalid_choice")
    status, tally = await svc.poll(lambda: svc.http.get(f"/items/{research}/tally"), lambda r: r[1]["total"] == 3)
    assert tally["counts"] == {"q1:yes": 2, "q1:no": 1, "q2:yes": 2, "q2:no": 1}

    multi = new_id("mc_")
    options = [{"id": o, "label": o.upper()} for o in ("a", "b", "c", "d")]
    spec = {"kind": "multi", "options": options, "max_choices": 3}
    assert (await svc.http.put(f"/items/{multi}/ballot", json=spec, headers=OPERATOR))[0] == 201
    for i, picks in enumerate([["a", "b", "c"], ["c"], ["d", "a"]]):
        assert (await svc.http.post(f"/items/{multi}/votes", json={"choices": picks}, headers=citizen(i)))[0] == 201
    status, body = await svc.http.post(
        f"/items/{multi}/votes", json={"choices": ["a", "b", "c", "d"]}, headers=citizen(9)
    )
    assert (status, body["error"]["code"]) == (422, "invalid_choice")
    status, tally = await svc.poll(lambda: svc.http.get(f"/items/{multi}/tally"), lambda r: r[1]["total"] == 3)
    assert tally["counts"] == {"a": 2, "b": 1, "c": 2, "d": 1}
    assert (await svc.votes.live(multi)) == (3, {"a": 2, "b": 1, "c": 2, "d": 1})


async def test_the_ledger_writers_mutex_lets_one_instance_in_at_a_time(infra: Any) -> None:
    """Two instances' ledger writers (two owners of one Redis key): the second waits until the
    first gives the lock back; a holder that died frees it when its TTL runs out."""
    key = f"mutex-test-{uuid.uuid4().hex[:8]}"
    # A client of its own: an earlier test of this module restarts Redis under the service's.
    redis = Redis.from_url(infra.redis_url)
    locks = OwnedLocks(redis)
    first, second = Mutex(locks, key, "instance-1"), Mutex(locks, key, "instance-2")
    order: list[str] = []
    released, entered = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first():
            order.append("first in")
            entered.set()
            await released.wait()
            order.append("first out")

    async def wait_turn() -> None:
        async with second():
            order.append("second in")

    holder = asyncio.create_task(hold())
    await entered.wait()
    waiter = asyncio.create_task(wait_turn())
    await asyncio.sleep(0.2)
    assert order == ["first in"]  # the second instance is still waiting
    released.set()
    await asyncio.gather(holder, waiter)
    assert order == ["first in", "first out", "second in"]

    assert await locks.take(key, "instance-dead", 1)  # taken, never given back
    async with second():
        order.append("after expiry")
    assert order[-1] == "after expiry"
    await redis.aclose()


async def test_the_mutex_lets_the_ledger_writer_through_when_redis_is_unreachable() -> None:
    """The exclusion is an economy, not a guard of correctness: without Redis the writer goes on."""
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    entered = False
    async with Mutex(OwnedLocks(unreachable), "mutex-down", "instance-1")():
        entered = True
    assert entered
    await unreachable.aclose()
