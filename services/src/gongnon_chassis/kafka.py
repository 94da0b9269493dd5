"""Kafka: the FastStream broker for consumers, an idempotent acks=all producer for publishing,
and topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

from gongnon_chassis.settings import ServiceSettings
from gongnon_contracts import Topic

log = logging.getLogger(__name__)

PARTITIONS = 6

# (topic, key, value, headers)
Record = tuple[str, str, dict[str, Any], dict[str, str]]


def make_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    # "host:port,host:port" (several brokers) as a list: FastStream takes a string for one server.
    return KafkaBroker(
        [one.strip() for one in bootstrap.split(",") if one.strip()],
        client_id=client_id,
        middlewares=[KafkaTelemetryMiddleware()],
        logger=logging.getLogger(f"faststream.{client_id}"),
        log_level=logging.DEBUG,
    )


# Batch consumers (the heavy streams: votes) ask the broker to wait a moment for a fuller fetch:
# fewer, larger fetches (and so transactions) cost the broker and the database less per record,
# for at most 100 ms of extra lag behind the stream.
BATCH_FETCH: dict[str, Any] = {"fetch_min_bytes": 1024 * 1024, "fetch_max_wait_ms": 300}


class Producer:
    """Idempotent, acks=all: a send returns only when every in-sync replica has the record."""

    # A few milliseconds of linger let concurrent sends (a burst of votes) share one produce request.
    def __init__(
        self,
        bootstrap: str,
        client_id: str,
        linger_ms: int = 0,
        max_batch_size: int = 256 * 1024,
        request_timeout_ms: int = 15000,
    ) -> None:
        self._config: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": linger_ms,
            "max_batch_size": max_batch_size,
            "request_timeout_ms": request_timeout_ms,
        }
        self.started = False

    async def start(self) -> None:
        # Created here, inside the running loop, so an unstarted producer leaks nothing.
        self._producer = AIOKafkaProducer(**self._config)
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        if self.started:
            await self._producer.stop()
            self.started = False

    async def send_each(self, records: Sequence[Record]) -> list[Exception | None]:
        """Send (topic, key, value, headers) records together; for each, None once acknowledged,
        or the exception that kept it from being (the others are unaffected)."""
        futures: list[asyncio.Future[Any] | Exception] = []
        for topic, key, value, headers in records:
            try:
                futures.append(
                    await self._producer.send(
                        topic,
                        orjson.dumps(value),
                        key=key.encode(),
                        headers=[(k, v.encode()) for k, v in headers.items()],
                    )
                )
            except Exception as exc:  # refused before it was queued (e.g. the producer stopped)
                futures.append(exc)
        pending = [f for f in futures if not isinstance(f, Exception)]
        done = iter(await asyncio.gather(*pending, return_exceptions=True))
        out: list[Exception | None] = []
        for f in futures:
            if isinstance(f, Exception):
                out.append(f)
                continue
            result = next(done)
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancellation
            out.append(result if isinstance(result, Exception) else None)
        return out

    async def send_many(self, records: Sequence[Record]) -> None:
        """Send records and wait until all are acknowledged; the first failure is raised."""
        for error in await self.send_each(records):
            if error is not None:
                raise error

    async def send(self, topic: str, key: str, value: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        await self.send_many([(topic, key, value, headers or {})])


@dataclass(frozen=True)
class TopicLayout:
    """How the topics the code creates are laid out: partitions (per topic where named), replication
    factor and min.insync.replicas (0: the broker's default). The defaults are the local cluster's."""

    partitions: int = PARTITIONS
    replication_factor: int = 1
    min_insync_replicas: int = 0
    partitions_by_topic: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TopicLayout:
        return cls(
            settings.kafka_topic_partitions,
            settings.kafka_topic_replication_factor,
            settings.kafka_topic_min_insync_replicas,
            settings.topic_partitions(),
        )

    def new_topic(self, name: str) -> NewTopic:
        configs = {"min.insync.replicas": str(self.min_insync_replicas)} if self.min_insync_replicas else {}
        return NewTopic(
            name=name,
            num_partitions=self.partitions_by_topic.get(name, self.partitions),
            replication_factor=self.replication_factor,
            topic_configs=configs,
        )


async def ensure_topics(bootstrap: str, topics: list[str] | None = None, layout: TopicLayout | None = None) -> None:
    """Create the topics that do not exist yet (all of the contract's by default); existing ones are
    left as they are (on Kubernetes Strimzi's topic operator owns them)."""
    layout = layout or TopicLayout()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in (topics or Topic.all()) if t not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([layout.new_topic(t) for t in wanted])
    finally:
        await admin.close()
