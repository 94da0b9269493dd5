"""Redis: one-person-one-vote claims and live counters for the hot path.

Key layout (`P` is the service's namespace, its database name, e.g. `voting_svc`; the item id
in braces is a Redis Cluster hash tag, so an item's keys live on one shard):
- `P:v:{ITEM}:voter:CITIZEN_KEY` → vote id   claimed with SET NX and a short expiry while the vote
  travels to Kafka (pending), made permanent once Kafka acknowledged it (confirmed)
- `P:v:{ITEM}:count` (hash)       → `total` and `o:OPTION` per option, HINCRBY
- `P:state:ready`                  → marker: present while the claims above are complete
- `P:state:restore-lock`           → one instance rebuilds at a time (an OwnedLocks lock)
- `P:offline:{ITEM}:IMPORT:lock`    → one upload of an offline file at a time

Redis must run with `maxmemory-policy noeviction`: an evicted claim would let a second vote
through to the ledger (which still counts it once) and inflate the live counter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, WatchError

from gongnon_chassis.grouping import group_by
from voting_svc.adapters.locks import OwnedLocks

# Claim one item's voters (one hash slot): KEYS = voter keys, ARGV[1] = pending expiry in s,
# ARGV[i+1] = the vote id for KEYS[i]. Per key: 0 claimed now, 1 already held by this very vote,
# 2 a confirmed vote (no expiry), 3 another vote still pending. One script per item instead of two
# commands per vote: the client packs and parses one command and one array per batch.
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
# Confirm claims whose votes Kafka acknowledged, and count each in the live counter exactly once.
# KEYS[1] = the item's counter, KEYS[2..n+1] = voter keys; ARGV[1..n] = vote ids,
# ARGV[n+1..2n] = each vote's choices joined by ",". Returns {votes counted now, live total, the
# live total right after each vote (n of them)}.
# A pending claim of this vote is made permanent; a claim that expired meanwhile is set again (the
# vote is durable, so the voter must stay claimed); a confirmed or foreign claim counts nothing.
_CONFIRM = """
local n = #KEYS - 1
local counted = 0
local after = {}
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
for i = 1, n do
  local key = KEYS[i + 1]
  local current = redis.call('GET', key)
  local mine = false
  if current == ARGV[i] then
    mine = redis.call('PERSIST', key) == 1
  elseif not current then
    redis.call('SET', key, ARGV[i])
    mine = true
  end
  if mine then
    counted = counted + 1
    total = redis.call('HINCRBY', KEYS[1], 'total', 1)
    for c in string.gmatch(ARGV[n + i], '[^,]+') do
      redis.call('HINCRBY', KEYS[1], 'o:' .. c, 1)
    end
  end
  after[i] = total
end
local out = {counted, total}
for i = 1, n do out[i + 2] = after[i] end
return out
"""
TOTAL_FIELD = "total"
OPTION_PREFIX = "o:"
# (script, keys, args): one call of a Lua script.
ScriptCall = tuple[AsyncScript, list[str], list[Any]]


class Claim(Enum):
    CLAIMED = 0
    RESUMED = 1  # held by this very vote id already (an offline file uploaded again)
    DUPLICATE = 2  # confirmed: the citizen's vote reached Kafka
    PENDING = 3  # another vote of the citizen is on its way to Kafka (or died on the way)


class StateLost(Exception):
    """Redis lost its claims (restarted empty): nothing can be claimed until they are restored."""


class VoteKeys:
    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.marker = f"{namespace}:state:ready"
        self.restore_lock = f"{namespace}:state:restore-lock"
        self.ledger_lock = f"{namespace}:state:ledger-writer-lock"

    def voter(self, item_id: str, citizen_key: str) -> str:
        return f"{self.ns}:v:{{{item_id}}}:voter:{citizen_key}"

    def counter(self, item_id: str) -> str:
        return f"{self.ns}:v:{{{item_id}}}:count"

    def import_lock(self, item_id: str, import_id: str) -> str:
        return f"{self.ns}:offline:{{{item_id}}}:{import_id}:lock"


class RedisVotes:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.keys = VoteKeys(namespace)
        self._claim_many = redis.register_script(_CLAIM_MANY)
        self._release_many = redis.register_script(_RELEASE_MANY)
        self._locks = OwnedLocks(redis)
        self._confirm = redis.register_script(_CONFIRM)

    async def claim_many(self, claims: Sequence[tuple[str, str, str]], pending_ttl_s: int) -> list[Claim]:
        """Claim (item_id, citizen_key, vote_id) slots for `pending_ttl_s` each (until `confirm`),
        in one round trip that also checks the state marker; StateLost if the register is not
        intact. A process that dies before its vote reached Kafka leaves a claim that expires, so
        the citizen can vote again instead of being refused forever."""
        # One script call per item keeps each call's keys on one hash slot.
        by_item = group_by(claims, key=lambda c: c[0])
        calls = [
            (
                self._claim_many,
                [self.keys.voter(item_id, ck) for _, ck, _ in item_claims],
                [pending_ttl_s, *(vid for _, _, vid in item_claims)],
            )
            for item_id, item_claims in by_item.items()
        ]
        has_marker, *replies = await self._run(calls, marker=True)
        codes = {item_id: iter(reply) for item_id, reply in zip(by_item, replies, strict=True)}
        out = [Claim(int(next(codes[item_id]))) for item_id, _, _ in claims]
        if not has_marker:
            # Redis restarted empty: give back what this batch just took; nothing can be trusted.
            await self.release_many([c for c, o in zip(claims, out, strict=True) if o is Claim.CLAIMED])
            raise StateLost("the vote register is being restored")
        return out

    async def release_many(self, claims: Sequence[tuple[str, str, str]]) -> None:
        """Give back (item_id, citizen_key, vote_id) slots, each only if it still holds that vote
        (never another request's claim)."""
        if claims:
            await self._run(
                [
                    (
                        self._release_many,
                        [self.keys.voter(item_id, ck) for _, ck, _ in item_claims],
                        [vid for _, _, vid in item_claims],
                    )
                    for item_id, item_claims in group_by(claims, key=lambda c: c[0]).items()
                ]
            )

    async def _run(self, calls: Sequence[ScriptCall], *, marker: bool = False) -> list[Any]:
        """Script calls (after an EXISTS of the state marker, if asked) in one round trip, by
        EVALSHA. (A pipeline given the script objects first asks Redis whether it knows them,
        SCRIPT EXISTS: a second round trip per batch.) A script Redis does not know yet (it
        restarted) is run again on its own, which loads it."""
        async with self.redis.pipeline(transaction=False) as pipe:
            if marker:
                pipe.exists(self.keys.marker)
            for script, keys, args in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            replies = await pipe.execute(raise_on_error=False)
        head = replies[:1] if marker else []
        out: list[Any] = []
        for reply, (script, keys, args) in zip(replies[len(head) :], calls, strict=True):
            if isinstance(reply, NoScriptError):
                reply = await script(keys=keys, args=args)
            elif isinstance(reply, Exception):
                raise reply
            out.append(reply)
        for reply in head:
            if isinstance(reply, Exception):
                raise reply
        return head + out

    async def confirm_many(self, votes: Sequence[tuple[str, str, str, Sequence[str]]]) -> list[int]:
        """Make the claims of (item_id, citizen_key, vote_id, choices) votes that Kafka acknowledged
        permanent and count them live, in one round trip; returns the live total of each vote's
        item right after that vote."""
        by_item = group_by(votes, key=lambda v: v[0])
        replies = await self._run(
            [(self._confirm, *self._confirm_call(item_id, item_votes)) for item_id, item_votes in by_item.items()]
        )
        # Each item's per-vote totals, handed back in the order its votes came.
        after = {item_id: iter(reply[2:]) for item_id, reply in zip(by_item, replies, strict=True)}
        return [int(next(after[v[0]])) for v in votes]

    def _confirm_call(
        self, item_id: str, votes: Sequence[tuple[str, str, str, Sequence[str]]]
    ) -> tuple[list[str], list[str]]:
        keys = [self.keys.counter(item_id)] + [self.keys.voter(item_id, ck) for _, ck, _, _ in votes]
        args = [vid for _, _, vid, _ in votes] + [",".join(choices) for _, _, _, choices in votes]
        return keys, args

    async def live(self, item_id: str) -> tuple[int, dict[str, int]]:
        """(live total, live count per option)."""
        return _parse(await self.redis.hgetall(self.keys.counter(item_id)))

    async def set_live(self, item_id: str, total: int, counts: Mapping[str, int]) -> None:
        key = self.keys.counter(item_id)
        fields: dict[Any, int] = {TOTAL_FIELD: total, **{OPTION_PREFIX + k: n for k, n in counts.items() if n}}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if total:
                pipe.hset(key, mapping=fields)
            await pipe.execute()

    async def set_live_if_unchanged(
        self, item_id: str, expected: tuple[int, Mapping[str, int]], total: int, counts: Mapping[str, int]
    ) -> bool:
        """Set the live counter unless it moved away from `expected` (a vote came in meanwhile)."""
        key = self.keys.counter(item_id)
        fields: dict[Any, int] = {TOTAL_FIELD: total, **{OPTION_PREFIX + k: n for k, n in counts.items() if n}}
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                now = _parse(await pipe.hgetall(key))
                if now[0] != expected[0] or _nonzero(now[1]) != _nonzero(expected[1]):
                    return False
                pipe.multi()
                pipe.delete(key)
                if total:
                    pipe.hset(key, mapping=fields)
                await pipe.execute()
            except WatchError:
                return False
        return True

    # Recovery ---------------------------------------------------------------------------

    async def state_present(self) -> bool:
        return bool(await self.redis.exists(self.keys.marker))

    async def mark_restored(self, at: str) -> None:
        await self.redis.set(self.keys.marker, at)

    async def try_lock(self, owner: str, ttl_s: int) -> bool:
        return await self._locks.take(self.keys.restore_lock, owner, ttl_s)

    async def extend_lock(self, owner: str, ttl_s: int) -> bool:
        return await self._locks.extend(self.keys.restore_lock, owner, ttl_s)

    async def unlock(self, owner: str) -> None:
        await self._locks.give_back(self.keys.restore_lock, owner)

    async def restore_claims(self, claims: Iterable[tuple[str, str, str]]) -> int:
        """Write a chunk of (item_id, citizen_key, vote_id) claims in one pipeline; returns how many."""
        n = 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for item_id, citizen_key, vote_id in claims:
                pipe.set(self.keys.voter(item_id, citizen_key), vote_id, nx=True)
                n += 1
            if n:
                await pipe.execute()
        return n


def _parse(raw: Mapping[Any, Any]) -> tuple[int, dict[str, int]]:
    # The client decodes responses to str; the typing of hgetall does not know it.
    counts = {k[len(OPTION_PREFIX) :]: int(v) for k, v in raw.items() if k.startswith(OPTION_PREFIX)}
    return int(raw.get(TOTAL_FIELD, 0)), counts


def _nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: n for k, n in counts.items() if n}
