"""Server-sent event streams opened with an API key end once the key stops working.

A stream registers the key it was opened with; once a second (`CHECK_EVERY_S`) the watch reads the
record of each key that has streams open (one look-up per key, not per stream: the cached record in
Redis, which a revocation overwrites at once, MongoDB on a miss) and wakes the streams of every key
that is revoked, expired or gone. Closing an agency revokes its keys, so its streams end too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gongnon_chassis.clock import Clock
from gongnon_gateway.core.api_keys import ApiKey

log = logging.getLogger(__name__)

CHECK_EVERY_S = 1.0
T = TypeVar("T")

FindKey = Callable[[str], Awaitable[ApiKey | None]]


class KeyWatch:
    def __init__(self, find: FindKey, clock: Clock) -> None:
        self._find = find
        self._clock = clock
        self._streams: dict[str, set[asyncio.Event]] = {}

    def watch(self, key_id: str) -> asyncio.Event:
        """An event set once the key no longer works; `unwatch` it when the stream ends."""
        ended = asyncio.Event()
        self._streams.setdefault(key_id, set()).add(ended)
        return ended

    def unwatch(self, key_id: str, ended: asyncio.Event) -> None:
        streams = self._streams.get(key_id)
        if streams is not None:
            streams.discard(ended)
            if not streams:
                del self._streams[key_id]

    @property
    def watched(self) -> int:
        return sum(len(s) for s in self._streams.values())

    async def check(self) -> int:
        """Wake the streams of keys that stopped working; how many streams were told."""
        told = 0
        now = self._clock.now()
        for key_id in list(self._streams):
            key = await self._find(key_id)
            if key is not None and key.live(now):
                continue
            for ended in self._streams.pop(key_id, set()):
                ended.set()
                told += 1
        if told:
            log.info("%d event streams ended: their API keys stopped working", told)
        return told


async def first_of(main: Awaitable[T], ended: asyncio.Event | None) -> T | None:
    """`main`'s result, or None when `ended` is set first (the stream must end)."""
    if ended is None:
        return await main
    if ended.is_set():
        if asyncio.iscoroutine(main):
            main.close()
        return None
    waiting = asyncio.ensure_future(main)
    stop = asyncio.create_task(ended.wait())
    try:
        await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiting, stop):
            if not task.done():
                task.cancel()
    if waiting.done() and not waiting.cancelled():
        return waiting.result()
    return None
