"""Redis locks held by an owner for a while: taken with SET NX EX, extended and given back only
by their owner (a lock that expired and was taken by another is never touched). They guard the
vote register's restore (one instance at a time), each offline import (one upload at a time) and
the ledger writer's transactions (one instance's batch at a time)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

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
    The exclusion only spares the database two instances' big transactions at once; what it
    guards stays correct without it. So a Redis that cannot be reached lets the holder through
    (the votes are refused then anyway, but the ledger must go on draining Kafka), and the TTL
    frees a lock whose holder died."""

    POLL_S = 0.005

    def __init__(self, locks: OwnedLocks, key: str, owner: str, ttl_s: int = 15) -> None:
        self.locks, self.key, self.owner, self.ttl_s = locks, key, owner, ttl_s

    async def _take(self) -> bool:
        """True once held (or Redis is unreachable: go on without it)."""
        try:
            return await self.locks.take(self.key, self.owner, self.ttl_s)
        except (RedisConnectionError, RedisTimeoutError):
            log.warning("Redis unreachable: %s goes on without the lock %s", self.owner, self.key)
            return True

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        # Another process holds it: nothing in this one can signal its release, so poll.
        while not await self._take():  # noqa: ASYNC110
            await asyncio.sleep(self.POLL_S)
        try:
            yield
        finally:
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError):  # it expires by its TTL
                await self.locks.give_back(self.key, self.owner)
