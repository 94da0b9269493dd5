"""Revoked sessions (issue 12): a logout revokes its own token; an operator's or a super admin's
action revokes every session of an account.

The record is the gateway's own collection `session_revocations`; the hot path never reads it.
Every replica keeps a view in memory, two maps: revoked token ids (`jti` → the token's expiry),
and per account a "not valid before" moment (its tokens issued at or before it are void), kept
for one session lifetime. Checking a session token costs two dictionary look-ups.

The view is loaded at start and kept current across replicas by Redis pub/sub (a revocation
reaches every replica at once) and, on every (re)subscription and every CATCH_UP_S, by reading
what was recorded since shortly before the last read: what a Redis restart or a lost message
missed. An entry is forgotten, in memory and in the record, once every token it voids has expired."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gongnon_chassis.clock import Clock
from gongnon_chassis.store import Store
from gongnon_contracts import new_id

log = logging.getLogger(__name__)

COLLECTION = "session_revocations"
CATCH_UP_S = 30.0
# Re-read a little before the last read: replicas' clocks differ, an insert takes a moment.
_OVERLAP = timedelta(seconds=60)


class SessionRevocations:
    def __init__(self, store: Store, redis: Redis, clock: Clock, session_ttl: timedelta) -> None:
        """`clock` is the one session tokens are issued by (their iat and exp)."""
        self._store = store
        self._redis = redis
        self._clock = clock
        self._ttl_s = session_ttl.total_seconds()
        # Replicas of one deployment share the database, and so the channel; other deployments on
        # the same Redis (tests) do not hear each other.
        self._channel = f"gongnon:sessions:revoked:{store.db.name}"
        self._tokens: dict[str, float] = {}  # jti → when the token expires anyway
        self._accounts: dict[str, tuple[float, float]] = {}  # account id → (not valid before, forget at)
        self._read_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def _col(self) -> Any:
        return self._store.db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("at", ASCENDING)])
        await self._col.create_index([("expires_at", ASCENDING)])

    def is_revoked(self, account_id: str, jti: str, iat: float) -> bool:
        if jti in self._tokens:
            return True
        entry = self._accounts.get(account_id)
        return entry is not None and iat <= entry[0]

    async def revoke_token(self, account_id: str, jti: str, exp: float) -> None:
        await self._record({"kind": "token", "account_id": account_id, "jti": jti, "forget_at": float(exp)})

    async def revoke_account(self, account_id: str) -> None:
        """Every session of the account issued until now; it may sign in again."""
        now = self._clock.now().timestamp()
        await self._record(
            {"kind": "account", "account_id": account_id, "not_before": now, "forget_at": now + self._ttl_s}
        )

    async def _record(self, entry: dict[str, Any]) -> None:
        doc = {
            "_id": new_id("rv_"),
            **entry,
            "at": self._clock.now(),
            "expires_at": datetime.fromtimestamp(entry["forget_at"], UTC),
        }
        await self._col.insert_one(doc)
        self._apply(entry)
        try:
            await self._redis.publish(self._channel, json.dumps(entry))
        except RedisError:
            log.warning("could not announce a revocation; the other replicas read it within %ss", CATCH_UP_S)

    def _apply(self, entry: Mapping[str, Any]) -> None:
        forget_at = float(entry["forget_at"])
        if entry["kind"] == "token":
            self._tokens[str(entry["jti"])] = forget_at
        elif entry["kind"] == "account":
            account_id = str(entry["account_id"])
            not_before = float(entry["not_before"])
            current = self._accounts.get(account_id)
            if current is None or not_before > current[0]:
                self._accounts[account_id] = (not_before, forget_at)

    async def load(self) -> None:
        """Every revocation that still voids a token (at start)."""
        now = self._clock.now()
        async for doc in self._col.find({"expires_at": {"$gt": now}}):
            self._apply(doc)
        self._read_at = now

    async def catch_up(self) -> None:
        """What was recorded since shortly before the last read; forgets what has expired."""
        if self._read_at is None:
            await self.load()
            return
        started = self._clock.now()
        async for doc in self._col.find({"at": {"$gte": self._read_at - _OVERLAP}}):
            self._apply(doc)
        self._read_at = started
        self._forget(started)

    def _forget(self, now: datetime) -> None:
        t = now.timestamp()
        self._tokens = {jti: until for jti, until in self._tokens.items() if until > t}
        self._accounts = {a: entry for a, entry in self._accounts.items() if entry[1] > t}

    async def tick(self) -> None:
        """Periodic: catch up, and drop the records nothing needs any more."""
        await self.catch_up()
        await self._col.delete_many({"expires_at": {"$lte": self._clock.now()}})

    async def start(self) -> None:
        await self.load()
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _follow(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as ps:
                    await ps.subscribe(self._channel)
                    await self.catch_up()  # whatever was announced while this replica was not listening
                    async for msg in ps.listen():
                        if msg.get("type") == "message":
                            self._announced(msg.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: the record holds everything; read it on return
                log.warning("session revocations lost Redis; retrying", exc_info=True)
                await asyncio.sleep(0.5)

    def _announced(self, data: Any) -> None:
        try:
            entry = json.loads(data)
            self._apply(entry)
        except (TypeError, ValueError, KeyError):
            log.warning("ignored a malformed revocation announcement: %r", data)
