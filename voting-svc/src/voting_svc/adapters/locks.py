"""Redis locks held by an owner for a while: taken with SET NX EX, extended and given back only
by their owner (a lock that expired and was taken by another is never touched). They guard the
vote register's restore (one instance at a time), each offline import (one upload at a time) and
the ledger writer's transactions (one instance's batch at a time)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

_GIVE_BACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class OwnedLocks:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._give_back = redis.register_script(_GIVE_BACK)
        self._extend = redis.register_script(_EXTEND)

    async def take(self, key: str, owner: str, ttl_s: int) -> bool:
        return bool(await self.redis.set(key, owner, nx=True, ex=ttl_s))

    async def extend(self, key: str, owner: str, ttl_s: int) -> bool:
        return bool(await self._extend(keys=[key], args=[owner, ttl_s]))

    async def give_back(self, key: str, owner: str) -> None:
        await self._give_back(keys=[key], args=[owner])


class Mutex:
    """One holder at a time across the service's instances, waited for: `async with mutex():`.
    The TTL only frees a lock whose holder died; a holder that outlives it loses nothing but the
    exclusion (what it guards must stay correct without it, only slower)."""

    POLL_S = 0.005

    def __init__(self, locks: OwnedLocks, key: str, owner: str, ttl_s: int = 30) -> None:
        self.locks, self.key, self.owner, self.ttl_s = locks, key, owner, ttl_s
        self.waited_s = 0.0  # in all, for the metrics and the benches

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        started = time.monotonic()
        # Another process holds it: nothing in this one can signal its release, so poll.
        while not await self.locks.take(self.key, self.owner, self.ttl_s):  # noqa: ASYNC110
            await asyncio.sleep(self.POLL_S)
        self.waited_s += time.monotonic() - started
        try:
            yield
        finally:
            await self.locks.give_back(self.key, self.owner)
