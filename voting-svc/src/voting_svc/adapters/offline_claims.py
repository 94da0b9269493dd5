"""Redis for offline batches: the same one-vote claims as the hot path (`dedupe.RedisVotes`), taken
for thousands of lines in one round trip, and a per-import lock.

A batch claim is pending (it expires) until Kafka acknowledged the votes and `RedisVotes.confirm`
made it permanent, exactly like an online vote. A claim that already holds this line's own vote id
comes from an earlier, interrupted upload of the same file: the line is resumed, not refused."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from redis.asyncio import Redis

from voting_svc.adapters.dedupe import VoteKeys

# KEYS = voter keys of one item (one hash slot); ARGV[1] = expiry in s, ARGV[i+1] = vote id of KEYS[i].
# Per key: 0 claimed now, 1 already held by this very vote, 2 confirmed vote of another, 3 pending other.
_CLAIM_MANY = """
local out = {}
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'EX', ARGV[1]) then
    out[i] = 0
  elseif redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    out[i] = 1
  elseif redis.call('PTTL', KEYS[i]) == -1 then
    out[i] = 2
  else
    out[i] = 3
  end
end
return out
"""
# Give back claims that still hold the given vote ids (never another vote's claim).
_RELEASE_MANY = """
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then n = n + redis.call('DEL', KEYS[i]) end
end
return n
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class LineClaim(Enum):
    CLAIMED = 0
    RESUMED = 1  # held by this line's own vote: an earlier upload of the same file got this far
    DUPLICATE = 2
    PENDING = 3  # an online vote of the citizen is on its way to Kafka


class StateLost(Exception):
    """Redis lost its claims (restarted empty): nothing can be claimed until they are restored."""


class BatchClaims:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.keys = VoteKeys(namespace)
        self._claim_many = redis.register_script(_CLAIM_MANY)
        self._release_many = redis.register_script(_RELEASE_MANY)
        self._unlock = redis.register_script(_UNLOCK)
        self._extend = redis.register_script(_EXTEND)

    def _lock_key(self, item_id: str, import_id: str) -> str:
        return f"{self.keys.ns}:offline:{{{item_id}}}:{import_id}:lock"

    async def claim(self, item_id: str, votes: Sequence[tuple[str, str]], pending_ttl_s: int) -> list[LineClaim]:
        """Claim (citizen_key, vote_id) pairs; StateLost if the register is not intact."""
        if not votes:
            return []
        keys = [self.keys.voter(item_id, ck) for ck, _ in votes]
        args: list[str | int] = [pending_ttl_s, *(vid for _, vid in votes)]
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(self.keys.marker)
            await self._claim_many(keys=keys, args=args, client=pipe)
            has_marker, codes = await pipe.execute()
        outcome = [LineClaim(int(c)) for c in codes]
        if not has_marker:
            fresh = [(k, vid) for k, (_, vid), o in zip(keys, votes, outcome, strict=True) if o is LineClaim.CLAIMED]
            if fresh:
                await self._release_many(keys=[k for k, _ in fresh], args=[vid for _, vid in fresh])
            raise StateLost("the vote register is being restored")
        return outcome

    async def release(self, item_id: str, votes: Sequence[tuple[str, str]]) -> None:
        if votes:
            await self._release_many(
                keys=[self.keys.voter(item_id, ck) for ck, _ in votes], args=[vid for _, vid in votes]
            )

    async def lock(self, item_id: str, import_id: str, owner: str, ttl_s: int) -> bool:
        return bool(await self.redis.set(self._lock_key(item_id, import_id), owner, nx=True, ex=ttl_s))

    async def extend(self, item_id: str, import_id: str, owner: str, ttl_s: int) -> bool:
        return bool(await self._extend(keys=[self._lock_key(item_id, import_id)], args=[owner, ttl_s]))

    async def unlock(self, item_id: str, import_id: str, owner: str) -> None:
        await self._unlock(keys=[self._lock_key(item_id, import_id)], args=[owner])
