"""How our files run SecantusDB: the record of retryable writes, pruned from its front, keeps
exactly the records the server's own pruning keeps (the newest, none past their lifetime), and a
resent write still gets its first answer."""

from __future__ import annotations

from secantus import transactions
from secantus.transactions import TransactionRegistry

from gongnon_infra.secantus_server import prune_oldest_first


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _registry(clock: Clock) -> TransactionRegistry:
    return TransactionRegistry(time_func=clock)


def test_the_front_pruning_keeps_what_the_servers_own_pruning_keeps() -> None:
    cap, lifetime = transactions._RETRYABLE_RECORD_MAX, transactions._RETRYABLE_RECORD_LIFETIME_SECONDS
    clock_a, ours_clock = Clock(), Clock()
    theirs = _registry(clock_a)
    ours = _registry(ours_clock)
    ours._prune_retryable_locked = lambda: prune_oldest_first(ours)  # type: ignore[method-assign]
    ok = {"ok": 1.0, "n": 1}
    # Past the cap, then a pause longer than the records' lifetime for the first half, then more.
    for i in range(cap + 500):
        for registry, clock in ((theirs, clock_a), (ours, ours_clock)):
            clock.now += 0.01
            registry.record_retryable(b"session", i, b"w", ok)
    assert list(ours._retryable) == list(theirs._retryable)
    assert len(ours._retryable) == cap
    assert next(iter(ours._retryable)) == (b"session", 500)  # the oldest went first
    for clock in (clock_a, ours_clock):
        clock.now += lifetime - 0.01 * cap / 2
    for i in range(cap + 500, cap + 510):
        for registry, clock in ((theirs, clock_a), (ours, ours_clock)):
            clock.now += 0.01
            registry.record_retryable(b"session", i, b"w", ok)
    assert list(ours._retryable) == list(theirs._retryable)
    assert len(ours._retryable) < cap  # the half older than the lifetime is gone

    # A driver resending write n gets the answer of its first attempt.
    newest = cap + 509
    assert ours.retryable_reply(b"session", newest, b"w") is not None
