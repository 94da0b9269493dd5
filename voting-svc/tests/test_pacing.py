"""Pacing: votes are held while a bounded consumer group is too far behind, never refused, and
never held longer than the pacer's longest wait. The measurement is a stand-in function here (the
pacer's own logic); `./dev bench spread` shows the effect on the real pipeline."""

from __future__ import annotations

import asyncio

import pytest

from voting_svc.domain.pacing import Bound, exceeded, parse_bounds
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


class Lag:
    def __init__(self) -> None:
        self.behind: dict[tuple[str, str], int] = {}
        self.fail = False

    async def __call__(self, topic: str, group: str) -> int:
        if self.fail:
            raise ConnectionError("broker unreachable")
        return self.behind.get((topic, group), 0)


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
