"""Live counts for browsers: each gateway process reads `tally.updated` from Kafka with a consumer
of its own (no consumer group, starting at the latest offset: every process sees every snapshot,
and none replays history) and hands each snapshot to the browsers watching that item.

Snapshots carry absolute counts and a per-item `seq` that only grows, so a watcher needs only the
newest one: a slow browser is given the latest snapshot, never a backlog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from gongnon_contracts import Topic
from gongnon_contracts.events import TallyUpdated

log = logging.getLogger(__name__)

RECONNECT_PAUSE_S = 1.0
MAX_WATCHERS = 20_000  # per process; each is one open connection


def public_tally(data: dict[str, Any]) -> dict[str, Any]:
    """What a browser is sent, from a `tally.updated` event or from voting-svc's GET tally."""
    return {
        "item_id": data.get("item_id"),
        "kind": data.get("kind"),
        "total": int(data.get("total") or 0),
        "counts": data.get("counts") or {},
        "seq": int(data.get("seq") or 0),
        "as_of": data.get("as_of"),
    }


class Watcher:
    """One browser watching one item: holds only the newest snapshot not yet sent."""

    def __init__(self, item_id: str) -> None:
        self.item_id = item_id
        self._latest: dict[str, Any] | None = None
        self._ready = asyncio.Event()

    def offer(self, snapshot: dict[str, Any]) -> None:
        if self._latest is None or snapshot["seq"] > self._latest["seq"]:
            self._latest = snapshot
            self._ready.set()

    async def next(self, timeout_s: float) -> dict[str, Any] | None:
        """The newest snapshot, or None when nothing came within `timeout_s` (time for a heartbeat)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout_s)
        self._ready.clear()
        snapshot, self._latest = self._latest, None
        return snapshot


class TooManyWatchers(Exception):
    pass


class TallyFeed:
    def __init__(self, bootstrap: str, client_id: str) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self._watchers: dict[str, set[Watcher]] = {}
        self._count = 0
        self._task: asyncio.Task[None] | None = None
        self.assigned = asyncio.Event()  # set once the consumer reads the topic (tests wait on it)

    @property
    def watchers(self) -> int:
        return self._count

    def watch(self, item_id: str) -> Watcher:
        if self._count >= MAX_WATCHERS:
            raise TooManyWatchers
        w = Watcher(item_id)
        self._watchers.setdefault(item_id, set()).add(w)
        self._count += 1
        return w

    def unwatch(self, w: Watcher) -> None:
        group = self._watchers.get(w.item_id)
        if group is None or w not in group:
            return
        group.discard(w)
        self._count -= 1
        if not group:
            del self._watchers[w.item_id]

    def publish(self, item_id: str, snapshot: dict[str, Any]) -> None:
        for w in self._watchers.get(item_id, ()):
            w.offer(snapshot)

    def dispatch(self, key: bytes | None, value: bytes | None) -> None:
        """One Kafka record: decoded only when someone watches its item (the key is the item id)."""
        if key is None or value is None:
            return
        item_id = key.decode("utf-8", "replace")
        if item_id not in self._watchers:
            return
        try:
            env = orjson.loads(value)
        except orjson.JSONDecodeError:
            return
        if not isinstance(env, dict) or env.get("type") != TallyUpdated.TYPE or not isinstance(env.get("data"), dict):
            return
        snapshot = public_tally(env["data"])
        if snapshot["item_id"] == item_id:
            self.publish(item_id, snapshot)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # The consumer survives broker restarts on its own; this loop covers failures to start or
        # a consumer that gave up, so live counts come back without restarting the gateway.
        while True:
            consumer = AIOKafkaConsumer(
                Topic.TALLIES.value,
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
                    if consumer.assignment():
                        self.assigned.set()
                    for records in batch.values():
                        for r in records:
                            self.dispatch(r.key, r.value)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live tally feed lost Kafka; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT_PAUSE_S)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
