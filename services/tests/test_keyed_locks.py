"""KeyedLocks: one holder per key at a time, other keys free, nothing kept once released."""

from __future__ import annotations

import asyncio

from gongnon_chassis.keyed_locks import KeyedLocks


async def test_one_holder_per_key_and_nothing_left_behind() -> None:
    locks = KeyedLocks()
    inside: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}

    async def use(key: str) -> None:
        async with locks.hold(key):
            inside[key] += 1
            most[key] = max(most[key], inside[key])
            await asyncio.sleep(0.001)
            inside[key] -= 1

    await asyncio.gather(*(use("a") for _ in range(8)), *(use("b") for _ in range(8)))
    assert most == {"a": 1, "b": 1}
    assert len(locks) == 0


async def test_a_failing_holder_releases_the_key() -> None:
    locks = KeyedLocks()
    try:
        async with locks.hold("a"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with asyncio.timeout(1):
        async with locks.hold("a"):
            pass
    assert len(locks) == 0
