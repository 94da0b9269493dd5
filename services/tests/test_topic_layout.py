"""Topic layout, producer and consumer-batch settings from the environment (issue 16, item 3): the
local cluster keeps its defaults (6 partitions, replication 1), a production cluster sets replication
3 and min.insync.replicas 2 without a code change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from pydantic import ValidationError

from gongnon_chassis.kafka import PARTITIONS, TopicLayout, ensure_topics
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.settings import ServiceSettings


def test_defaults_are_the_local_clusters() -> None:
    s = ServiceSettings()
    layout = TopicLayout.from_settings(s)
    assert (layout.partitions, layout.replication_factor, layout.min_insync_replicas) == (PARTITIONS, 1, 0)
    topic = layout.new_topic("gongnon.votes")
    assert (topic.num_partitions, topic.replication_factor, topic.topic_configs) == (6, 1, {})
    assert s.kafka_producer_linger_ms == 0
    assert s.kafka_producer_max_batch_bytes == 256 * 1024


def test_production_layout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS_BY_TOPIC", "gongnon.votes=48, gongnon.tallies=24")
    monkeypatch.setenv("KAFKA_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("KAFKA_TOPIC_MIN_INSYNC_REPLICAS", "2")
    layout = TopicLayout.from_settings(ServiceSettings())
    votes, reviews = layout.new_topic("gongnon.votes"), layout.new_topic("gongnon.reviews")
    assert (votes.num_partitions, votes.replication_factor) == (48, 3)
    assert votes.topic_configs == {"min.insync.replicas": "2"}
    assert layout.new_topic("gongnon.tallies").num_partitions == 24
    assert (reviews.num_partitions, reviews.replication_factor) == (12, 3)


async def test_producer_settings_reach_the_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_PRODUCER_LINGER_MS", "5")
    monkeypatch.setenv("KAFKA_PRODUCER_MAX_BATCH_BYTES", "1048576")
    monkeypatch.setenv("KAFKA_PRODUCER_REQUEST_TIMEOUT_MS", "30000")
    rt = Runtime(ServiceSettings(SERVICE_NAME="layout-test"))
    config = rt.producer._config
    assert (config["linger_ms"], config["max_batch_size"], config["request_timeout_ms"]) == (5, 1048576, 30000)
    assert (config["acks"], config["enable_idempotence"]) == ("all", True)
    await rt.mongo.close()
    await rt.redis.aclose()


async def test_consumer_batch_sizes_by_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_CONSUMER_BATCH", "voting-svc.ledger=4000,voting-svc.tiny=1")
    s = ServiceSettings(SERVICE_NAME="voting-svc")
    assert s.consumer_batch("voting-svc.ledger", 2000) == 4000
    assert s.consumer_batch("voting-svc.other", 500) == 500  # not named: what the service asked
    assert s.consumer_batch("voting-svc.tiny", 500) == 2  # a batch consumer stays a batch consumer
    assert s.consumer_batch("voting-svc.ledger", 1) == 1  # one record at a time stays so
    rt = Runtime(s)
    assert rt.consumer("ledger", batch_size=2000).batch_size == 4000
    await rt.mongo.close()
    await rt.redis.aclose()


@pytest.mark.parametrize("value", ["gongnon.votes", "gongnon.votes=x", "=3", "gongnon.votes=0"])
def test_a_malformed_count_stops_the_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS_BY_TOPIC", value)
    with pytest.raises(ValidationError):
        ServiceSettings()


async def test_topics_are_created_with_the_configured_layout(infra: Any) -> None:
    # One broker here: replication 1 with min.insync.replicas 1 set on the topic itself (the same
    # call makes replication 3 / min.insync.replicas 2 on a three-broker cluster).
    topic = f"gongnon.test.layout-{uuid.uuid4().hex[:8]}"
    layout = TopicLayout(partitions=6, replication_factor=1, min_insync_replicas=1, partitions_by_topic={topic: 3})
    await ensure_topics(infra.kafka_bootstrap, [topic], layout)
    await ensure_topics(infra.kafka_bootstrap, [topic], TopicLayout())  # exists: left as it is
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        assert len(described["partitions"]) == 3
        assert all(len(p["replicas"]) == 1 for p in described["partitions"])
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        configs = {entry[0]: entry[1] for entry in response.resources[0][4]}
        assert configs["min.insync.replicas"] == "1"
        await admin.delete_topics([topic])
    finally:
        await admin.close()
