"""Group commit for hot paths: calls made during one turn of the event loop are sent together.

Under a burst, dozens of requests want the same kind of small round trip (a Redis claim, say) at
the same moment. Each pays the client's per-call cost and a socket write; sent as one batch they
pay it once. A lone call waits for nothing but the next loop turn, so latency does not grow when
traffic is light, and batches grow by themselves when it is heavy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")


class Coalescer(Generic[Req, Res]):
    """`await submit(req)` → the result `flush` gave for it. `flush` gets the batch in submission
    order and returns one result per request, in the same order; if it raises, every request of
    that batch gets the exception (each caller decides what a failure means for it)."""

    def __init__(self, flush: Callable[[Sequence[Req]], Awaitable[Sequence[Res]]], max_batch: int = 512) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._pending: list[tuple[Req, asyncio.Future[Res]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, req: Req) -> Res:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Res] = loop.create_future()
        self._pending.append((req, future))
        if len(self._pending) >= self._max_batch:
            self._start()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._tasks.add(task)  # keep a reference until it is done
            task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[tuple[Req, asyncio.Future[Res]]]) -> None:
        try:
            results = await self._flush([req for req, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"flush returned {len(results)} results for {len(batch)} requests")
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
