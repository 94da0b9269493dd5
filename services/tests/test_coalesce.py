"""Group commit: calls made in one loop turn share one flush, results go back to their callers,
and a failed flush fails exactly the calls of its batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from gongnon_chassis.coalesce import Coalescer


async def test_calls_of_one_loop_turn_share_one_flush_in_order() -> None:
    batches: list[list[int]] = []

    async def flush(batch: Sequence[int]) -> list[int]:
        batches.append(list(batch))
        return [n * 10 for n in batch]

    c: Coalescer[int, int] = Coalescer(flush)
    assert await asyncio.gather(*(c.submit(n) for n in range(5))) == [0, 10, 20, 30, 40]
    assert batches == [[0, 1, 2, 3, 4]]
    assert await c.submit(7) == 70  # a lone call is flushed on the next turn
    assert batches[-1] == [7]


async def test_calls_made_while_a_flush_is_in_flight_gather_for_the_next_batch() -> None:
    gate = asyncio.Event()
    batches: list[list[str]] = []

    async def flush(batch: Sequence[str]) -> list[str]:
        batches.append(list(batch))
        if len(batches) == 1:
            await gate.wait()
        return [s.upper() for s in batch]

    c: Coalescer[str, str] = Coalescer(flush)
    first = asyncio.ensure_future(c.submit("a"))
    await asyncio.sleep(0.01)
    later = [asyncio.ensure_future(c.submit(s)) for s in "bcd"]
    await asyncio.sleep(0.01)
    assert batches == [["a"]]  # one batch on its way at a time: the others wait and gather
    gate.set()
    assert await first == "A"
    assert await asyncio.gather(*later) == ["B", "C", "D"]
    assert batches == [["a"], ["b", "c", "d"]]


async def test_with_more_in_flight_a_slow_batch_does_not_hold_the_next() -> None:
    gate = asyncio.Event()
    batches: list[list[str]] = []

    async def flush(batch: Sequence[str]) -> list[str]:
        batches.append(list(batch))
        if len(batches) == 1:
            await gate.wait()
        return [s.upper() for s in batch]

    c: Coalescer[str, str] = Coalescer(flush, max_in_flight=2)
    first = asyncio.ensure_future(c.submit("a"))
    await asyncio.sleep(0.01)
    assert await c.submit("b") == "B"
    gate.set()
    assert await first == "A"


async def test_a_full_batch_is_sent_at_once() -> None:
    sizes: list[int] = []

    async def flush(batch: Sequence[int]) -> list[int]:
        sizes.append(len(batch))
        return list(batch)

    c: Coalescer[int, int] = Coalescer(flush, max_batch=3, max_in_flight=3)
    assert await asyncio.gather(*(c.submit(n) for n in range(7))) == list(range(7))
    assert sizes == [3, 3, 1]


async def test_a_failed_flush_fails_its_batch_only() -> None:
    calls = 0

    async def flush(batch: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("redis down")
        return list(batch)

    c: Coalescer[int, int] = Coalescer(flush)
    results = await asyncio.gather(c.submit(1), c.submit(2), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await c.submit(3) == 3


async def test_a_flush_returning_the_wrong_number_of_results_is_an_error() -> None:
    async def flush(batch: Sequence[int]) -> list[int]:
        return []

    c: Coalescer[int, int] = Coalescer(flush)
    with pytest.raises(RuntimeError):
        await c.submit(1)
