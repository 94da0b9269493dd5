"""The ballot cache: a vote never waits on a slow database to learn a ballot it already knows."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from voting_svc.adapters.ballots import BallotCache
from voting_svc.domain.ballot import Ballot, BallotStatus


class SlowSource:
    """The ballots collection, answering only when the test lets it (or failing)."""

    def __init__(self, ballot: Ballot) -> None:
        self.ballot = ballot
        self.reads = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False
        self.gathered: list[list[str]] = []

    async def get(self, item_id: str) -> Ballot | None:
        self.reads += 1
        await self.gate.wait()
        if self.fail:
            raise ConnectionError("database unreachable")
        return self.ballot if item_id == self.ballot.item_id else None

    async def get_many(self, item_ids: Collection[str]) -> dict[str, Ballot]:
        self.reads += 1
        self.gathered.append(sorted(item_ids))
        await self.gate.wait()
        if self.fail:
            raise ConnectionError("database unreachable")
        return {i: self.ballot for i in item_ids if i == self.ballot.item_id}


async def settle() -> None:
    for _ in range(10):  # let the background read run to its end
        await asyncio.sleep(0)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def test_an_expired_ballot_is_served_while_one_read_refreshes_it() -> None:
    source, clock = SlowSource(Ballot.support("pr_1", "seoul")), Clock()
    cache = BallotCache(source, ttl_s=5.0, monotonic=clock, gather_s=0)
    assert await cache.get("pr_1") == source.ballot
    assert source.reads == 1

    clock.t = 6.0  # expired; the database is now slow
    source.gate.clear()
    closed = Ballot("pr_1", source.ballot.kind, "seoul", status=BallotStatus.CLOSED)
    source.ballot = closed
    answers = await asyncio.wait_for(asyncio.gather(*(cache.get("pr_1") for _ in range(50))), timeout=1.0)
    assert all(a is not None and a.status is BallotStatus.OPEN for a in answers)  # the one it knew
    assert source.reads == 2  # one refresh for all of them

    source.gate.set()
    await settle()
    assert await cache.get("pr_1") == closed  # the refresh landed
    assert source.reads == 2


async def test_an_unknown_item_waits_for_the_read_and_a_failed_refresh_keeps_the_old_ballot() -> None:
    source, clock = SlowSource(Ballot.support("pr_1", "seoul")), Clock()
    cache = BallotCache(source, ttl_s=5.0, miss_ttl_s=0.5, monotonic=clock, gather_s=0)
    assert await cache.get("pr_2") is None  # nothing known: the read is awaited
    assert await cache.get("pr_1") == source.ballot

    clock.t = 6.0
    source.fail = True
    assert await cache.get("pr_1") == source.ballot  # served; the refresh fails behind it
    await settle()
    reads = source.reads
    assert await cache.get("pr_1") == source.ballot  # kept, not read again before miss_ttl_s
    assert source.reads == reads
    clock.t = 6.6
    assert await cache.get("pr_1") == source.ballot
    await settle()
    assert source.reads == reads + 1

    with pytest.raises(ConnectionError):
        await cache.get("pr_3")  # nothing to serve instead: the failure is the caller's


class ManyBallots:
    def __init__(self, n: int) -> None:
        self.ballots = {f"pr_{i}": Ballot.support(f"pr_{i}", "seoul") for i in range(n)}
        self.reads: list[list[str]] = []

    async def get(self, item_id: str) -> Ballot | None:
        self.reads.append([item_id])
        return self.ballots.get(item_id)

    async def get_many(self, item_ids: Collection[str]) -> dict[str, Ballot]:
        self.reads.append(sorted(item_ids))
        return {i: self.ballots[i] for i in item_ids if i in self.ballots}


async def test_ballots_that_expire_together_are_read_again_in_one_read() -> None:
    source, clock = ManyBallots(200), Clock()
    cache = BallotCache(source, ttl_s=5.0, monotonic=clock, gather_s=0)
    for i in source.ballots:
        await cache.get(i)
    assert len(source.reads) == 200  # an item's first vote waits for its ballot: one read each

    clock.t = 6.0
    source.reads.clear()
    for _ in range(3):
        for i in source.ballots:
            assert await cache.get(i) is not None  # the expired ballot, served at once
    await settle()
    assert source.reads == [sorted(source.ballots)]  # read again together, once
    clock.t = 6.5
    assert all(cache._entries[i][0] > clock.t for i in source.ballots)  # and fresh again
