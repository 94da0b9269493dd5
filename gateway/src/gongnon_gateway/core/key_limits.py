"""Per-key rate limits and the record of each key's use, in Redis, flushed to MongoDB.

One Lua call per request (EVALSHA, one round trip) decides the sliding window (rate_window.py,
the same integer arithmetic), counts the request in the key's window and in the pending usage
hash (`gk:usage:<db>:pending`: `<key>|<day>|n` requests, `<key>|<day>|r` refused by the limit,
`<key>|last` the last use in ms). A periodic flush renames the pending hash to
`gk:usage:<db>:flushing`, adds it to MongoDB (`api_key_usage`, _id `<key>|<day>`, indexed by
(key_id, day)) with a marker of the batch in the same transaction (so a flush retried after a
crash adds nothing twice), then deletes it. Reads add what is still in Redis to what MongoDB
holds (read-through), so usage is exact at any moment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from redis.asyncio import Redis

from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import TooMany
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import new_id
from gongnon_gateway.core import rate_window
from gongnon_gateway.core.api_keys import ApiKey

log = logging.getLogger(__name__)

# Named after the gateway's database: gateways of several platforms may share one Redis.
PENDING = "gk:usage:{db}:pending"
FLUSHING = "gk:usage:{db}:flushing"
WINDOW_PREFIX = "gk:rate:"
BATCH_FIELD = "__batch"
FLUSH_EVERY_S = 10.0
MARKER_TTL_S = 7 * 86400
MAX_USAGE_DAYS = 90

# KEYS: current window, previous window, pending usage. ARGV: limit, elapsed ms, window ms,
# requests field, refused field, last-use field, now ms. Returns {allowed, prev, curr}.
_HIT = """
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
local e = tonumber(ARGV[2])
local L = tonumber(ARGV[3])
if prev * (L - e) + (curr + 1) * L <= limit * L then
  curr = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], 2 * L)
  redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  local last = tonumber(redis.call('HGET', KEYS[3], ARGV[6]) or '0')
  if tonumber(ARGV[7]) > last then redis.call('HSET', KEYS[3], ARGV[6], ARGV[7]) end
  return {1, prev, curr}
end
redis.call('HINCRBY', KEYS[3], ARGV[5], 1)
return {0, prev, curr}
"""

# KEYS: pending, flushing. ARGV: a new batch id. The batch to flush: an unfinished one first.
_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[2])
"""

# KEYS: flushing. ARGV: batch id, batch field. Deletes the batch once MongoDB has it.
_DONE = """
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RateLimited(TooMany):
    """429 with Retry-After."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int, limit: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s, "limit_per_min": limit})
        self.headers = {"Retry-After": str(retry_after_s)}


def day_of(at: datetime) -> str:
    return at.astimezone(UTC).date().isoformat()


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _requests_field(key_id: str, day: str) -> str:
    return f"{key_id}|{day}|n"


def _refused_field(key_id: str, day: str) -> str:
    return f"{key_id}|{day}|r"


def _last_field(key_id: str) -> str:
    return f"{key_id}|last"


@dataclass(frozen=True)
class DayUsage:
    day: str
    requests: int
    rate_limited: int


@dataclass(frozen=True)
class Usage:
    key_id: str
    last_used_at: datetime | None
    days: list[DayUsage]  # newest first, days without use included as zeros

    @property
    def requests(self) -> int:
        return sum(d.requests for d in self.days)

    @property
    def rate_limited(self) -> int:
        return sum(d.rate_limited for d in self.days)


def parse_batch(flat: dict[str, str]) -> tuple[dict[tuple[str, str], tuple[int, int]], dict[str, int]]:
    """The pending hash as ((key id, day) → (requests, refused)) and (key id → last use in ms)."""
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    last: dict[str, int] = {}
    for field, value in flat.items():
        parts = field.split("|")
        if len(parts) == 2 and parts[1] == "last":
            last[parts[0]] = max(last.get(parts[0], 0), int(value))
        elif len(parts) == 3 and parts[2] in ("n", "r"):
            n, r = counts.get((parts[0], parts[1]), (0, 0))
            counts[(parts[0], parts[1])] = (n + int(value), r) if parts[2] == "n" else (n, r + int(value))
    return counts, last


class KeyLimits:
    def __init__(self, store: Store, redis: Redis, clock: Clock, window_ms: int = rate_window.MINUTE_MS) -> None:
        self._store = store
        self._redis = redis
        self._clock = clock
        self._window_ms = window_ms
        self._pending = PENDING.format(db=store.db.name)
        self._flushing = FLUSHING.format(db=store.db.name)
        self._hit = redis.register_script(_HIT)
        self._take = redis.register_script(_TAKE)
        self._done = redis.register_script(_DONE)

    async def ensure_indexes(self) -> None:
        db = self._store.db
        await db.api_key_usage.create_index([("key_id", ASCENDING), ("day", ASCENDING)])
        await db.api_key_usage_flushes.create_index([("at", ASCENDING)], expireAfterSeconds=MARKER_TTL_S)

    async def hit(self, key: ApiKey) -> None:
        """Count one request of the key; RateLimited (429) beyond its limit."""
        now = self._clock.now()
        now_ms = _ms(now)
        w = rate_window.window_at(now_ms, self._window_ms)
        day = day_of(now)
        allowed, prev, curr = await self._hit(
            keys=[f"{WINDOW_PREFIX}{key.id}:{w.index}", f"{WINDOW_PREFIX}{key.id}:{w.index - 1}", self._pending],
            args=[
                key.rate_limit_per_min,
                w.elapsed_ms,
                w.length_ms,
                _requests_field(key.id, day),
                _refused_field(key.id, day),
                _last_field(key.id),
                now_ms,
            ],
        )
        if int(allowed):
            return
        limit = key.rate_limit_per_min
        wait = rate_window.retry_after_s(int(prev), int(curr), w.elapsed_ms, w.length_ms, limit)
        raise RateLimited(f"this API key is limited to {limit} requests a minute", wait, limit)

    # -- the record of use -----------------------------------------------------------------

    async def flush(self) -> int:
        """Move the counts from Redis to MongoDB; returns how many (key, day) rows it added to."""
        batch_id = new_id("flush_")
        reply = await self._take(keys=[self._pending, self._flushing], args=[batch_id, BATCH_FIELD])
        flat: dict[str, str] = dict(zip(reply[::2], reply[1::2], strict=True))
        taken = flat.pop(BATCH_FIELD, None)
        if taken is None:
            return 0
        counts, last = parse_batch(flat)

        async def body(tx: Tx) -> None:
            if await tx.db.api_key_usage_flushes.find_one({"_id": taken}, {"_id": 1}, session=tx.session):
                return  # this batch reached MongoDB before (a flush that died before deleting it)
            for (key_id, day), (n, r) in counts.items():
                await tx.db.api_key_usage.update_one(
                    {"_id": f"{key_id}|{day}"},
                    {"$inc": {"requests": n, "rate_limited": r}, "$setOnInsert": {"key_id": key_id, "day": day}},
                    upsert=True,
                    session=tx.session,
                )
            for key_id, ms in last.items():
                at = datetime.fromtimestamp(ms / 1000, UTC)
                await tx.db.api_keys.update_one(
                    {"_id": key_id, "$or": [{"last_used_at": None}, {"last_used_at": {"$lt": at}}]},
                    {"$set": {"last_used_at": at}},
                    session=tx.session,
                )
            await tx.db.api_key_usage_flushes.insert_one({"_id": taken, "at": tx.now}, session=tx.session)

        await self._store.transaction(body)
        await self._done(keys=[self._flushing], args=[taken, BATCH_FIELD])
        return len(counts)

    async def _in_redis(self, fields: Sequence[str]) -> list[int]:
        """The sum of each field over the pending and the flushing hash."""
        if not fields:
            return []
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self._pending, list(fields))
            pipe.hmget(self._flushing, list(fields))
            pending, flushing = await pipe.execute()
        return [int(a or 0) + int(b or 0) for a, b in zip(pending, flushing, strict=True)]

    async def last_used(self, keys: Sequence[ApiKey]) -> dict[str, datetime | None]:
        """Each key's last use: the later of MongoDB's and what Redis has not flushed yet."""
        if not keys:
            return {}
        fields = [_last_field(k.id) for k in keys]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self._pending, fields)
            pipe.hmget(self._flushing, fields)
            pending, flushing = await pipe.execute()
        out: dict[str, datetime | None] = {}
        for k, a, b in zip(keys, pending, flushing, strict=True):
            ms = max(int(a or 0), int(b or 0))
            cached = datetime.fromtimestamp(ms / 1000, UTC) if ms else None
            out[k.id] = max((t for t in (k.last_used_at, cached) if t is not None), default=None)
        return out

    async def usage(self, key: ApiKey, days: int) -> Usage:
        """The key's use over the last `days` days (UTC), today first."""
        days = max(1, min(days, MAX_USAGE_DAYS))
        today = self._clock.now().astimezone(UTC).date()
        span = [(today - timedelta(days=i)).isoformat() for i in range(days)]
        docs = await self._store.db.api_key_usage.find(
            {"key_id": key.id, "day": {"$gte": span[-1], "$lte": span[0]}}
        ).to_list(days)
        stored: dict[str, Any] = {d["day"]: d for d in docs}
        fields = [f for day in span for f in (_requests_field(key.id, day), _refused_field(key.id, day))]
        cached = await self._in_redis(fields)
        rows = []
        for i, day in enumerate(span):
            doc = stored.get(day, {})
            rows.append(
                DayUsage(
                    day=day,
                    requests=int(doc.get("requests", 0)) + cached[2 * i],
                    rate_limited=int(doc.get("rate_limited", 0)) + cached[2 * i + 1],
                )
            )
        last = (await self.last_used([key]))[key.id]
        return Usage(key_id=key.id, last_used_at=last, days=rows)
