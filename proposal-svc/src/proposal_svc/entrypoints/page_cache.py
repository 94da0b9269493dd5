"""A short-lived cache of public list pages (PROPOSAL_LIST_CACHE_S, one second by default; 0 is off).

Everyone reading the home page asks the same few queries; at a burst of readers (the UK's
"Revoke Article 50": 80–100k at once) answering each from the database is wasted work. With a
time to live of a second, concurrent identical requests share one database read (single flight)
and a page is at most that old. Only anonymous reads are cached: a signed-in reader, an operator's
status tab and a moderator's view always read fresh. Any write this replica serves (a new
proposal, a withdrawal, a moderation act) empties the cache at once, so an author or a moderator
never sees their own act missing; so does every committed change that emits an event (a milestone
that lists a petition, an expiry, an answer), wherever it came from. Bare count updates from
tallies show within the second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_ENTRIES = 4096


class PageCache:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._pages: dict[Hashable, tuple[float, Any]] = {}
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}
        self._generation = 0  # bumped by clear(): a read begun before it is not kept

    def clear(self) -> None:
        self._pages.clear()
        self._inflight.clear()
        self._generation += 1

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        hit = self._pages.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        waiting = self._inflight.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        generation = self._generation
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]
        future.set_result(value)
        if generation != self._generation:
            return value  # a write landed while we read: serve it to this request only
        if len(self._pages) >= MAX_ENTRIES:
            self._pages = {k: v for k, v in self._pages.items() if v[0] > now}
            if len(self._pages) >= MAX_ENTRIES:
                self._pages.clear()
        self._pages[key] = (self._clock() + self.ttl_s, value)
        return value


class ClearOnWrite:
    """ASGI middleware: every non-read request this replica serves empties the page cache when
    it is done (pure ASGI, so the read path pays nothing)."""

    READS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in self.READS:
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.cache.clear()
