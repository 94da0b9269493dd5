"""The watch that ends event streams opened with an API key, without I/O: a revoked, expired or
vanished key wakes its streams (one look-up per key, whatever the number of streams); a live key
does not; `first_of` gives the stream's own wait, or None once the key ended."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gongnon_chassis.clock import FixedClock
from gongnon_gateway.core import api_keys as rules
from gongnon_gateway.core.api_keys import ApiKey
from gongnon_gateway.core.key_watch import KeyWatch, first_of

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _key(key_id: str) -> ApiKey:
    return ApiKey(key_id, "gangnam", "연동", ("read",), rules.hash_secret("s"), T0, "acc_admin")


async def test_streams_of_a_key_that_stopped_working_are_woken_once() -> None:
    keys = {k: _key(k) for k in ("live", "revoked", "rotated", "gone")}
    lookups: list[str] = []

    async def find(key_id: str) -> ApiKey | None:
        lookups.append(key_id)
        return keys.get(key_id)

    watch = KeyWatch(find, FixedClock(T0))
    streams = {k: [watch.watch(k), watch.watch(k)] for k in keys}
    assert await watch.check() == 0
    keys["revoked"] = rules.revoked(keys["revoked"], T0, "acc_admin")
    keys["rotated"] = replace(keys["rotated"], expires_at=T0 - timedelta(seconds=1))
    del keys["gone"]
    lookups.clear()
    assert await watch.check() == 6
    assert sorted(lookups) == ["gone", "live", "revoked", "rotated"]  # one look-up per key
    assert [e.is_set() for e in streams["live"]] == [False, False]
    assert all(e.is_set() for k in ("revoked", "rotated", "gone") for e in streams[k])
    assert watch.watched == 2
    for ended in streams["live"]:
        watch.unwatch("live", ended)
    assert watch.watched == 0
    lookups.clear()
    assert await watch.check() == 0
    assert lookups == []  # nothing open, nothing read


async def test_first_of_returns_the_wait_or_none_once_the_key_ended() -> None:
    ended = asyncio.Event()

    async def value() -> int:
        return 7

    assert await first_of(value(), None) == 7
    assert await first_of(value(), ended) == 7
    forever = asyncio.Event()
    later = asyncio.get_running_loop().call_soon(ended.set)
    assert await first_of(forever.wait(), ended) is None
    later.cancel()
    assert await first_of(value(), ended) is None  # already ended: the wait is not even started
