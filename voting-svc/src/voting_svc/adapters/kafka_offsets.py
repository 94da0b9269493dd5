"""Kafka: has a consumer group committed everything that was on a topic a moment ago?

Recovery needs it: before Redis is rebuilt from the ledger, every vote already accepted onto
`gongnon.votes` must be in the ledger, i.e. the ledger writer's committed offsets must reach the
end offsets taken as a snapshot when the check began."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from voting_svc.domain.pacing import Progress


class CatchUpTimeout(Exception):
    pass


@asynccontextmanager
async def _admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The topic's partitions (none if it does not exist)."""
    async with _admin(bootstrap) as admin:
        return _partitions(await admin.describe_topics([topic]), topic)


def _partitions(described: list[Any], topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p["partition"]) for t in described if t["topic"] == topic for p in t["partitions"]]


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    """The topic's end offset per partition, for partitions that hold anything."""
    tps = await topic_partitions(bootstrap, topic)
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    # Partitions with nothing retained need nothing consumed.
    return {tp: end[tp] for tp in tps if end[tp] > begin[tp]}


MEMBERS_EVERY_S = 5.0


class GroupLag:
    """How many records of a topic a consumer group has not committed yet (and how many it has),
    asked as often as a few times a second: one admin client and one group-less consumer kept open
    (a fresh pair per question costs a connection and a metadata round each)."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: dict[str, list[TopicPartition]] = {}
        self._members: dict[str, tuple[float, bool]] = {}  # group -> (when asked, whether any)

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None)
            try:
                await admin.start()
                await consumer.start()
            except BaseException:
                await admin.close()
                await consumer.stop()
                raise
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer

    async def progress(self, topic: str, group: str) -> Progress:
        """Records of `topic` past `group`'s committed offsets, and those offsets' sum, over the
        partitions where it has committed any; nothing behind for a group without consumers (a
        group that is not running, or has not yet run on a partition, is not there to be waited
        for)."""
        try:
            return await self._progress(topic, group)
        except BaseException:
            await self.close()  # opened afresh next time (a broker restart, a lost connection)
            raise

    async def _progress(self, topic: str, group: str) -> Progress:
        admin, consumer = await self._clients()
        if not await self._has_members(admin, group):
            return Progress(0, 0)
        tps = self._partitions.get(topic)
        if not tps:
            tps = self._partitions[topic] = _partitions(await admin.describe_topics([topic]), topic)
        if not tps:
            return Progress(0, 0)
        end = await consumer.end_offsets(tps)
        raw = await admin.list_consumer_group_offsets(group, partitions=tps)
        done = {tp: meta.offset for tp, meta in raw.items() if meta is not None and meta.offset >= 0}
        return Progress(
            behind=sum(max(0, end[tp] - done[tp]) for tp in tps if tp in done), committed=sum(done.values())
        )

    async def _has_members(self, admin: AIOKafkaAdminClient, group: str) -> bool:
        """Whether any consumer is in the group (asked every MEMBERS_EVERY_S): a group nobody
        consumes in falls behind without end, and nothing is gained by waiting for it."""
        asked = self._members.get(group)
        if asked is None or time.monotonic() - asked[0] >= MEMBERS_EVERY_S:
            try:
                described = await admin.describe_consumer_groups([group])
            except GroupCoordinatorNotAvailableError:  # no group has run yet (or one is moving)
                return False
            # Raw DescribeGroups answers: (error_code, group_id, state, protocol_type, protocol, members, ...)
            members = any(g[1] == group and g[5] for r in described for g in r.groups)
            asked = self._members[group] = (time.monotonic(), members)
        return asked[1]

    async def close(self) -> None:
        """Drops the clients (the next question opens new ones)."""
        admin, consumer = self._admin, self._consumer
        self._admin = self._consumer = None
        if consumer is not None:
            await consumer.stop()
        if admin is not None:
            await admin.close()


async def committed_offsets(bootstrap: str, group_id: str) -> dict[TopicPartition, int]:
    async with _admin(bootstrap) as admin:
        raw = await admin.list_consumer_group_offsets(group_id)
    return {tp: meta.offset for tp, meta in raw.items() if meta is not None and meta.offset >= 0}


async def wait_until_consumed(bootstrap: str, group_id: str, topic: str, timeout_s: float, poll_s: float = 0.3) -> None:
    """Return once `group_id` has committed past what `topic` held when this was called."""
    target = await end_offsets(bootstrap, topic)
    deadline = time.monotonic() + timeout_s
    while True:
        done = await committed_offsets(bootstrap, group_id) if target else {}
        behind = {tp: end for tp, end in target.items() if done.get(tp, -1) < end}
        if not behind:
            return
        if time.monotonic() >= deadline:
            lag = sum(end - max(done.get(tp, 0), 0) for tp, end in behind.items())
            raise CatchUpTimeout(f"{group_id} is still {lag} record(s) behind on {topic}")
        await asyncio.sleep(poll_s)


async def records_between(
    bootstrap: str, start: dict[TopicPartition, int], end: dict[TopicPartition, int], timeout_s: float
) -> list[bytes]:
    """The values of the records from `start` (a partition without one: its beginning) up to, not
    including, `end`, each partition in order. Read without a consumer group: nothing commits."""
    todo = [tp for tp, e in end.items() if start.get(tp, 0) < e]
    if not todo:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    values: list[bytes] = []
    try:
        consumer.assign(todo)
        begin = await consumer.beginning_offsets(todo)
        for tp in todo:
            consumer.seek(tp, max(start.get(tp, 0), begin[tp]))
        remaining = set(todo)
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() >= deadline:
                raise CatchUpTimeout(f"could not read {len(remaining)} partition(s) to their end in {timeout_s:.0f}s")
            batch = await consumer.getmany(*remaining, timeout_ms=500)
            for tp, records in batch.items():
                values += [r.value for r in records if r.offset < end[tp] and r.value is not None]
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return values
