"""Group commit for hot paths: calls made during one turn of the event loop are sent together.

Under a burst, dozens of requests want the same kind of small round trip (a Redis claim, say) at
the same moment. Each pays the client's per-call cost and a socket write; sent as one batch they
pay it once. A lone call waits for nothing but the next loop turn, so latency does not grow when
traffic is light. While `max_in_flight` batches are on their way, new calls gather for the next
one (group commit), so batches grow by themselves when traffic is heavy."""

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

    def __init__(
        self,
        flush: Callable[[Sequence[Req]], Awaitable[Sequence[Res]]],
        max_batch: int = 512,
        max_in_flight: int = 1,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._pending: list[tuple[Req, asyncio.Future[Res]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, req: Req) -> Res:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Res] = loop.create_future()
        self._pending.append((req, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        self._scheduled = False
        while self._pending and len(self._tasks) < self._max_in_flight:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._tasks.add(task)  # keep a reference until it is done
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._pending and not self._scheduled:  # calls that gathered meanwhile: the next batch
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start)

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
