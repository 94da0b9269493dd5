"""GroupLag against real Kafka: how many records a consumer group has not committed (and how many
it has), and nothing behind for a group nobody consumes in."""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

from voting_svc.adapters.kafka_offsets import GroupLag
from voting_svc.domain.pacing import Progress


async def test_a_running_group_is_as_far_behind_as_it_has_not_committed(infra: Any, poll: Any) -> None:
    bootstrap = infra.kafka_bootstrap
    topic, group = f"lag-{uuid.uuid4().hex[:8]}", f"lag-group-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(30):
            await producer.send_and_wait(topic, b"x", partition=i % 2)  # 15 records on each partition
    finally:
        await producer.stop()

    lag = GroupLag(bootstrap)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        assert (await lag.progress(topic, group)).behind == 0  # nobody consumes in it
        await consumer.start()
        await poll(lambda: _assigned(consumer), lambda n: n == 2, 60)
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(10, ""), TopicPartition(topic, 1): 15})
        lag._members.clear()  # asked again now, not after MEMBERS_EVERY_S
        assert await lag.progress(topic, group) == Progress(behind=5, committed=25)
        await consumer.stop()
        lag._members.clear()
        assert (await lag.progress(topic, group)).behind == 0  # stopped: not waited for, however far behind
    finally:
        await consumer.stop()
        await lag.close()


async def _assigned(consumer: AIOKafkaConsumer) -> int:
    await consumer.getmany(timeout_ms=200)
    return len(consumer.assignment())
