"""Wake-ups for the feed's server-sent event streams: each gateway process reads `gongnon.public`
from Kafka with a consumer of its own (no group, from the latest offset) and keeps the highest seq
it saw. A stream that has caught up waits here for a newer seq, then reads the events themselves
from notify-svc by cursor (the authoritative, ordered source); Kafka only says "there is more"."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import orjson
from aiokafka import AIOKafkaConsumer

from gongnon_contracts import Topic

log = logging.getLogger(__name__)

RECONNECT_PAUSE_S = 1.0
MAX_STREAMS = 5_000  # per process; each is one open connection


class TooManyStreams(Exception):
    pass


class PublicSignal:
    def __init__(self, bootstrap: str, client_id: str) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.head = 0
        self.streams = 0
        self._waiters: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None

    def open_stream(self) -> None:
        if self.streams >= MAX_STREAMS:
            raise TooManyStreams
        self.streams += 1

    def close_stream(self) -> None:
        self.streams -= 1

    def saw(self, seq: int) -> None:
        if seq > self.head:
            self.head = seq
            for w in self._waiters:
                w.set()

    async def wait_beyond(self, seq: int, timeout_s: float) -> bool:
        """True once an event with a seq above `seq` was seen; False after `timeout_s`."""
        if self.head > seq:
            return True
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout_s)
        finally:
            self._waiters.discard(waiter)
        return self.head > seq

    def dispatch(self, value: bytes | None) -> None:
        if value is None:
            return
        try:
            event = orjson.loads(value)
        except orjson.JSONDecodeError:
            return
        seq = event.get("seq") if isinstance(event, dict) else None
        if isinstance(seq, int):
            self.saw(seq)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                Topic.PUBLIC.value,
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                group_id=None,
                auto_offset_reset="latest",
                enable_auto_commit=False,
            )
            try:
                await consumer.start()
                while True:
                    batch = await consumer.getmany(timeout_ms=1000)
                    for records in batch.values():
                        for r in records:
                            self.dispatch(r.value)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("public feed signal lost Kafka; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT_PAUSE_S)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
