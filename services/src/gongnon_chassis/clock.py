"""Injectable time. Production uses the system clock; in test mode the platform clock is the
system clock plus an offset kept in Redis, so a test can move time forward in every process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis

log = logging.getLogger(__name__)

CLOCK_KEY = "gongnon:test:clock-offset-s"
CLOCK_CHANNEL = "gongnon:test:clock"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """For unit tests: time stands still until moved."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class ShiftedClock:
    """System time plus an offset shared through Redis (test mode only)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.offset_s = 0.0
        self._task: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_s)

    async def refresh(self) -> float:
        raw = await self._redis.get(CLOCK_KEY)
        self.offset_s = float(raw) if raw else 0.0
        return self.offset_s

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as ps:
                    await ps.subscribe(CLOCK_CHANNEL)
                    await self.refresh()
                    async for msg in ps.listen():
                        if msg.get("type") == "message":
                            await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: keep the last offset and retry
                log.warning("clock follower lost Redis; retrying", exc_info=True)
                await asyncio.sleep(0.5)


async def set_test_offset(redis: Redis, offset_s: float) -> None:
    await redis.set(CLOCK_KEY, str(offset_s))
    await redis.publish(CLOCK_CHANNEL, str(offset_s))
