"""Pacing: votes are held while a bounded consumer group is too far behind, never refused, and
never held longer than the pacer's longest wait. The measurement is a stand-in function here (the
pacer's own logic); `./dev bench spread` shows the effect on the real pipeline."""

from __future__ import annotations

import asyncio

import pytest

from voting_svc.domain.pacing import Bound, DrainRate, Progress, allowance, exceeded, parse_bounds
from voting_svc.service_layer.pacing import Pacer


def test_bounds_are_read_from_the_setting() -> None:
    spec = "gongnon.tallies:proposal-svc.tallies:1500, gongnon.votes:a:b:c:10,x:y:0"
    assert parse_bounds(spec) == [
        Bound("gongnon.tallies", "proposal-svc.tallies", 1500),
        Bound("gongnon.votes", "a:b:c", 10),  # a group name may hold colons; the last part is the bound
    ]  # a bound of 0 is no bound
    assert parse_bounds("") == []
    for bad in ("just-a-topic", "t:g:many", "t::5", ":g:5"):
        with pytest.raises(ValueError, match="a pace bound is"):
            parse_bounds(bad)


def test_only_groups_past_their_bound_hold_votes() -> None:
    a, b = Bound("t", "a", 100), Bound("t", "b", 10)
    assert exceeded({("t", "a"): 100, ("t", "b"): 11}, [a, b]) == [b]
    assert exceeded({("t", "a"): 101}, [a, b]) == [a]  # b not measured: not held against anyone
    assert exceeded({}, [a, b]) == []


def test_a_group_may_be_as_far_behind_as_it_commits_in_the_allowed_seconds() -> None:
    fast, slow = Bound("t", "fast", 100), Bound("t", "slow", 100)
    pace = {fast.key: 1_000.0, slow.key: 50.0}
    assert (allowance(fast, 1_000.0, 0.5), allowance(slow, 50.0, 0.5)) == (500, 100)  # the floor
    behind = {fast.key: 450, slow.key: 150}
    assert exceeded(behind, [fast, slow], pace, behind_s=0.5) == [slow]
    assert exceeded(behind, [fast, slow]) == [fast, slow]  # no pace known: the floors


def test_the_drain_rate_is_what_was_committed_over_the_last_seconds() -> None:
    rate = DrainRate(window_s=3.0)
    assert rate.per_s() == 0.0
    rate.observe(0.0, 1_000)
    assert rate.per_s() == 0.0  # one reading is no pace
    for t in range(1, 11):
        rate.observe(t * 0.5, 1_000 + t * 100)  # 200 a second
    assert rate.per_s() == pytest.approx(200.0)
    for t in range(11, 21):
        rate.observe(t * 0.5, 2_000 + (t - 10) * 25)  # then 50 a second: the old pace drops out
    assert rate.per_s() == pytest.approx(50.0)
    rate.observe(11.0, 0)  # offsets went back (a reset group): start over
    assert rate.per_s() == 0.0


class Lag:
    def __init__(self) -> None:
        self.behind: dict[tuple[str, str], int] = {}
        self.committed: dict[tuple[str, str], int] = {}
        self.fail = False

    async def __call__(self, topic: str, group: str) -> Progress:
        if self.fail:
            raise ConnectionError("broker unreachable")
        key = (topic, group)
        return Progress(self.behind.get(key, 0), self.committed.get(key, 0))


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def test_votes_wait_while_behind_and_go_once_caught_up() -> None:
    lag = Lag()
    pacer = Pacer([Bound("votes", "ledger", 100)], lag, max_wait_s=30)
    await asyncio.wait_for(pacer.admit(), 1)  # nothing measured yet: open

    lag.behind[("votes", "ledger")] = 101
    await pacer.tick()
    assert pacer.holding
    waiting = asyncio.create_task(pacer.admit())
    await asyncio.sleep(0.05)
    assert not waiting.done()

    lag.behind[("votes", "ledger")] = 100  # at the bound is within it
    await pacer.tick()
    await asyncio.wait_for(waiting, 1)
    assert not pacer.holding


async def test_a_vote_is_held_at_most_the_longest_wait() -> None:
    lag = Lag()
    lag.behind[("votes", "ledger")] = 10_000
    pacer = Pacer([Bound("votes", "ledger", 100)], lag, max_wait_s=0.2)
    await pacer.tick()
    await asyncio.wait_for(pacer.admit(), 5)  # the pipeline never catches up: the vote goes anyway
    assert pacer.holding


async def test_a_lag_that_cannot_be_measured_holds_nothing() -> None:
    lag = Lag()
    lag.behind[("votes", "ledger")] = 10_000
    pacer = Pacer([Bound("votes", "ledger", 100)], lag, max_wait_s=30)
    await pacer.tick()
    assert pacer.holding
    lag.fail = True
    await pacer.tick()  # said once in the log, not raised
    assert not pacer.holding
    await asyncio.wait_for(pacer.admit(), 1)


async def test_a_group_that_commits_fast_may_be_further_behind() -> None:
    lag, clock = Lag(), Clock()
    pacer = Pacer([Bound("votes", "ledger", 100)], lag, max_wait_s=30, behind_s=0.5, clock=clock)
    lag.behind[("votes", "ledger")] = 300
    lag.committed[("votes", "ledger")] = 5_000
    await pacer.tick()
    assert pacer.holding  # its pace unknown yet: the floor of 100 holds
    for _ in range(5):
        clock.t += 0.2
        lag.committed[("votes", "ledger")] += 200  # 1,000 a second: 300 behind is 0.3 s of work
        await pacer.tick()
    assert not pacer.holding
    for _ in range(20):
        clock.t += 0.2
        lag.committed[("votes", "ledger")] += 20  # now 100 a second: 300 is 3 s behind
        await pacer.tick()
    assert pacer.holding
