"""Redis locks held by an owner for a while: taken with SET NX EX, extended and given back only
by their owner (a lock that expired and was taken by another is never touched). They guard the
vote register's restore (one instance at a time) and each offline import (one upload at a time)."""

from __future__ import annotations

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
