"""Infrastructure from testcontainers (real Kafka, MongoDB and Redis images) for machines that
have a Docker engine. Our CI machines have none; LocalInfra serves them."""

from __future__ import annotations

import contextlib
from typing import Any

from gongnon_infra.infra import Endpoints


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


class ContainerInfra:
    def __init__(self) -> None:
        self._containers: list[Any] = []

    def start(self) -> Endpoints:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.mongodb import MongoDbContainer
        from testcontainers.redis import RedisContainer

        kafka = KafkaContainer("apache/kafka:4.1.0").with_kraft()
        mongo = MongoDbContainer("mongo:8.0").with_command("--replSet rs0 --bind_ip_all")
        redis = RedisContainer("redis:7.4")
        for c in (kafka, mongo, redis):
            c.start()
            self._containers.append(c)
        mongo.exec("mongosh --quiet --eval 'rs.initiate()'")
        host = mongo.get_container_host_ip()
        port = mongo.get_exposed_port(27017)
        return Endpoints(
            kafka_bootstrap=kafka.get_bootstrap_server(),
            mongodb_uri=f"mongodb://{host}:{port}/?directConnection=true",
            redis_url=f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}/0",
        )

    def stop(self) -> None:
        for c in reversed(self._containers):
            with contextlib.suppress(Exception):
                c.stop()
