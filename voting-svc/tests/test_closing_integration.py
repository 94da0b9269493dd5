"""Ballots announced by `deliberation.opened` and closed on time, against real Kafka, MongoDB and
Redis: the app runs with its lifespan (ballot consumer, ledger writer, closing scan, outbox)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.kafka import Producer
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope, EventData, new_id
from gongnon_contracts.events import DeliberationOpened
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.events.deliberations import BallotOption
from voting_svc.bootstrap import VotingSettings, build_app

Poll = Callable[..., Awaitable[Any]]
# Long enough for the announcement to travel through Kafka and the votes to be cast on a busy
# machine; the test then waits for the real clock to pass the end.
PERIOD = timedelta(seconds=12)


@dataclass
class Svc:
    app: Any
    rt: Runtime
    http: Any
    bootstrap: str
    poll: Poll

    async def announce(self, data: EventData) -> None:
        env = Envelope.wrap(data, source="proposal-svc", agency="seoul", time=self.rt.clock.now())
        producer = Producer(self.bootstrap, "voting-closing-test")
        await producer.start()
        try:
            await producer.send(data.TOPIC, data.subject(), env.model_dump(mode="json"))
        finally:
            await producer.stop()

    async def closed_events(self, item_id: str) -> list[dict[str, Any]]:
        return [e["data"] for e in await outbox_envelopes(self.rt.db, key=item_id, type="ballot.closed")]


def citizen(i: int | str) -> dict[str, str]:
    return Actor(account_id=f"acc-{i}", role=ActorRole.CITIZEN, citizen_key=f"ck-{i}").header()


@pytest.fixture(scope="module")
async def svc(infra: Any, asgi_client: Any, poll: Poll) -> AsyncIterator[Svc]:
    name = f"voting-close-{uuid.uuid4().hex[:8]}"
    settings = VotingSettings(
        SERVICE_NAME=name,
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        OUTBOX_POLL_S=0.2,
        SCHEDULER_INTERVAL_S=0.3,
        VOTING_CLOSE_GRACE_S=0.5,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.vote_gate.opened.wait(), 120)
        yield Svc(app, app.state.runtime, asgi_client(app), infra.kafka_bootstrap, poll)


def announcement(item_id: str, vote_type: str, options: list[tuple[str, str]], closes_at: datetime, **kw: Any) -> Any:
    return DeliberationOpened(
        item_id=item_id,
        kind="consultation",
        title="고척스카이돔 플라스틱 응원봉 사용을 금지하면 어떨까요?",
        category="environment",
        department_id="dept-environment",
        source_item_id=None,
        vote_type=vote_type,
        options=[BallotOption(id=i, label=label) for i, label in options],
        opens_at=kw.get("opens_at", closes_at - PERIOD - timedelta(seconds=1)),
        closes_at=closes_at,
        max_choices=kw.get("max_choices", 1),
    )


async def test_a_consultation_closes_on_time_with_its_exact_result(svc: Svc) -> None:
    closes = (svc.rt.clock.now() + PERIOD).replace(microsecond=0)  # as proposal-svc announces it
    cid, mid = new_id("cs_"), new_id("cs_")
    labels = [("yes", "보호조치 찬성"), ("no", "보호조치 반대"), ("other", "기타 의견")]
    await svc.announce(announcement(cid, "choice", labels, closes))
    five = [(f"o{i}", f"방안 {i}") for i in range(5)]
    await svc.announce(announcement(mid, "multi", five, closes, max_choices=3))
    for item in (cid, mid):
        await svc.poll(lambda item=item: svc.http.get(f"/items/{item}/ballot"), lambda r: r[0] == 200)
    status, ballot = await svc.http.get(f"/items/{cid}/ballot")
    assert [(o["id"], o["label"]) for o in ballot["options"]] == labels
    assert datetime.fromisoformat(ballot["closes_at"]) == closes

    picks = ["yes"] * 3 + ["no"] * 5 + ["other"]
    results = await asyncio.gather(
        *(svc.http.post(f"/items/{cid}/votes", json={"choices": [c]}, headers=citizen(i)) for i, c in enumerate(picks))
    )
    assert [s for s, _ in results] == [201] * len(picks), results
    status, body = await svc.http.post(f"/items/{cid}/votes", json={"choices": ["maybe"]}, headers=citizen("x"))
    assert (status, body["error"]["code"]) == (422, "invalid_choice")
    status, body = await svc.http.post(f"/items/{cid}/votes", json={"choices": ["no"]}, headers=citizen(0))
    assert (status, body["error"]["code"]) == (409, "already_voted")
    four = {"choices": ["o0", "o1", "o2", "o3"]}
    status, body = await svc.http.post(f"/items/{mid}/votes", json=four, headers=citizen("m"))
    assert (status, body["error"]["code"]) == (422, "invalid_choice")
    status, _ = await svc.http.post(f"/items/{mid}/votes", json={"choices": ["o3", "o1"]}, headers=citizen("m"))
    assert status == 201

    # The scan closes both once the period (and the grace) passed, counting from the ledger.
    [final] = await svc.poll(lambda: svc.closed_events(cid), lambda evs: len(evs) >= 1, 120)
    assert (final["total"], final["counts"], final["kind"], final["final"]) == (
        9,
        {"yes": 3, "no": 5, "other": 1},
        "choice",
        True,
    )
    assert datetime.fromisoformat(final["closes_at"]) == closes
    [multi] = await svc.poll(lambda: svc.closed_events(mid), lambda evs: len(evs) >= 1, 120)
    assert (multi["total"], multi["counts"]) == (1, {"o0": 0, "o1": 1, "o2": 0, "o3": 1, "o4": 0})

    status, body = await svc.http.post(f"/items/{cid}/votes", json={"choices": ["yes"]}, headers=citizen("late"))
    assert (status, body["error"]["code"]) == (409, "voting_closed")
    status, tally = await svc.http.get(f"/items/{cid}/tally")
    assert (status, tally["status"], tally["total"]) == (200, "closed", 9)
    doc = await svc.rt.db.ballots.find_one({"_id": cid})
    assert (doc["status"], doc["final"]["total"]) == ("closed", 9)

    # Scans after the close publish nothing again.
    assert await svc.app.state.ballot_closer.scan() == 0
    assert len(await svc.closed_events(cid)) == 1


async def test_the_same_announcement_twice_keeps_one_ballot(svc: Svc) -> None:
    item = new_id("db_")
    now = svc.rt.clock.now().replace(microsecond=0)
    data = announcement(item, "discussion", [], now + timedelta(days=30), opens_at=now)
    await svc.announce(data)
    await svc.announce(data)
    await svc.poll(lambda: svc.http.get(f"/items/{item}/ballot"), lambda r: r[0] == 200)
    assert await svc.rt.db.ballots.count_documents({"_id": item}) == 1
    status, body = await svc.http.post(f"/items/{item}/votes", json={"choices": []}, headers=citizen("d"))
    assert (status, body["kind"]) == (201, "discussion")
