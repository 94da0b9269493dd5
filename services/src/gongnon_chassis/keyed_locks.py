"""One asyncio lock per key, held only while someone uses it.

For writes that all touch one document (an agency's rule set): run one at a time in a process,
instead of letting concurrent transactions conflict and retry each other out (a transaction
retries a write conflict at once, so eight writers on one document can keep failing for
seconds). Other processes still meet as conflicts, which the transaction retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
