"""Infrastructure from testcontainers (real Kafka, MongoDB and Redis images) for machines that
have a Docker engine. Our CI machines have none; LocalInfra serves them.

All three are plain DockerContainers configured here (the spec functions below, unit-tested
without Docker), not testcontainers' modules: its KafkaContainer drives Confluent's image (its
`with_kraft()` refuses `apache/kafka` tags), and its MongoDbContainer always sets root
credentials, with which mongod started with `--replSet` exits for want of a key file.

- Kafka: `apache/kafka`, one combined broker+controller in KRaft mode configured by KAFKA_* env.
  Clients must be told the host's mapped port, known only once the container runs: the
  container waits for a file with KAFKA_ADVERTISED_LISTENERS, written after the start.
- MongoDB: `mongo`, a one-member replica set (transactions need one) without auth, initiated
  with `replSetInitiate`; clients connect with `directConnection=true` (the member's own name
  is the container's, not reachable from the host).
- Redis: `redis`, as it comes."""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from gongnon_infra.infra import Endpoints

KAFKA_IMAGE = "apache/kafka:4.3.1"  # as in infra/compose.yaml and the local Kafka
MONGO_IMAGE = "mongo:8.0"
REDIS_IMAGE = "redis:7.4"

KAFKA_PORT = 9092  # clients (advertised as the host's mapped port)
KAFKA_BROKER_PORT = 9093  # inside the container: broker to itself
KAFKA_CONTROLLER_PORT = 9094  # inside the container: the KRaft controller
KAFKA_CLUSTER_ID = "R2_ONgNonKafkaTestQAAA"  # 16 bytes, base64url: any fixed id will do
KAFKA_READY_FLAG = "/tmp/gongnon-kafka.ready"
KAFKA_ENV_FILE = "/tmp/gongnon-kafka.env"
MONGO_PORT = 27017
MONGO_REPLICA_SET = "rs0"
REDIS_PORT = 6379


@dataclass(frozen=True)
class ContainerSpec:
    image: str
    port: int
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None
    ready_log: str | None = None  # a regex of the log line that says it serves


def kafka_spec() -> ContainerSpec:
    """apache/kafka as one KRaft node; the advertised listener comes later (kafka_advertised_env)."""
    env = {
        "CLUSTER_ID": KAFKA_CLUSTER_ID,
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": f"1@localhost:{KAFKA_CONTROLLER_PORT}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENERS": (
            f"PLAINTEXT://0.0.0.0:{KAFKA_PORT},BROKER://0.0.0.0:{KAFKA_BROKER_PORT},"
            f"CONTROLLER://0.0.0.0:{KAFKA_CONTROLLER_PORT}"
        ),
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "BROKER",
        "KAFKA_LOG_DIRS": "/tmp/kraft-combined-logs",
        # As infra/kafka/server.properties: one node, so every internal topic has one replica.
        "KAFKA_NUM_PARTITIONS": "6",
        "KAFKA_DEFAULT_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "6",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "true",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }
    # The image's own start (/etc/kafka/docker/run) once the advertised listener is known. The
    # ready flag is written after the env file, so the file is complete when it is read.
    wait_then_run = (
        f"while [ ! -f {KAFKA_READY_FLAG} ]; do sleep 0.1; done; . {KAFKA_ENV_FILE}; exec /etc/kafka/docker/run"
    )
    return ContainerSpec(
        KAFKA_IMAGE,
        KAFKA_PORT,
        env,
        ["sh", "-c", wait_then_run],
        r"\[KafkaRaftServer nodeId=\d+\] Kafka Server started",
    )


def kafka_advertised_env(host: str, mapped_port: int) -> str:
    """The env file: clients reach the broker at the host's mapped port, the broker itself inside."""
    listeners = f"PLAINTEXT://{host}:{mapped_port},BROKER://$(hostname):{KAFKA_BROKER_PORT}"
    return f'export KAFKA_ADVERTISED_LISTENERS="{listeners}"\n'


def mongo_spec() -> ContainerSpec:
    """mongod as a one-member replica set, without auth (no MONGO_INITDB_ROOT_*: with them and
    --replSet mongod wants a key file and exits)."""
    return ContainerSpec(
        MONGO_IMAGE,
        MONGO_PORT,
        {},
        ["--replSet", MONGO_REPLICA_SET, "--bind_ip_all"],
        r"Waiting for connections",
    )


def mongo_replica_set_config() -> dict[str, Any]:
    return {"_id": MONGO_REPLICA_SET, "members": [{"_id": 0, "host": f"localhost:{MONGO_PORT}"}]}


def mongo_uri(host: str, port: int) -> str:
    return f"mongodb://{host}:{port}/?directConnection=true"


def redis_spec() -> ContainerSpec:
    return ContainerSpec(REDIS_IMAGE, REDIS_PORT, {}, None, r"Ready to accept connections")


def build_container(spec: ContainerSpec, wait: bool = True) -> Any:
    """A testcontainers DockerContainer for the spec (wait: until its ready line is logged)."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = DockerContainer(spec.image).with_exposed_ports(spec.port)
    for key, value in spec.env.items():
        container.with_env(key, value)
    if spec.command is not None:
        container.with_command(spec.command)
    if wait and spec.ready_log is not None:
        container.waiting_for(LogMessageWaitStrategy(re.compile(spec.ready_log)).with_startup_timeout(120))
    return container


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


def initiate_replica_set(uri: str, timeout_s: float = 60) -> None:
    """replSetInitiate on the single member, then wait until it is the writable primary."""
    from pymongo import MongoClient
    from pymongo.errors import OperationFailure, PyMongoError

    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                client.admin.command("replSetInitiate", mongo_replica_set_config())
                break
            except OperationFailure as exc:
                if exc.code == 23:  # AlreadyInitialized
                    break
                if time.monotonic() > deadline:
                    raise
            except PyMongoError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)
        while not client.admin.command("hello").get("isWritablePrimary"):
            if time.monotonic() > deadline:
                raise TimeoutError("the MongoDB replica set elected no primary in time")
            time.sleep(0.2)
    finally:
        client.close()


class ContainerInfra:
    def __init__(self) -> None:
        self._containers: list[Any] = []

    def start(self) -> Endpoints:
        from testcontainers.core.wait_strategies import LogMessageWaitStrategy

        try:
            kafka_spec_ = kafka_spec()
            kafka = build_container(kafka_spec_, wait=False)  # it waits for its env file first
            mongo = build_container(mongo_spec())
            redis = build_container(redis_spec())
            for c in (kafka, mongo, redis):
                c.start()
                self._containers.append(c)
            kafka_host = kafka.get_container_host_ip()
            kafka_port = int(kafka.get_exposed_port(KAFKA_PORT))
            kafka.copy_into_container(kafka_advertised_env(kafka_host, kafka_port).encode(), KAFKA_ENV_FILE)
            kafka.copy_into_container(b"", KAFKA_READY_FLAG)
            assert kafka_spec_.ready_log is not None
            LogMessageWaitStrategy(re.compile(kafka_spec_.ready_log)).with_startup_timeout(120).wait_until_ready(kafka)
            uri = mongo_uri(mongo.get_container_host_ip(), int(mongo.get_exposed_port(MONGO_PORT)))
            initiate_replica_set(uri)
            return Endpoints(
                kafka_bootstrap=f"{kafka_host}:{kafka_port}",
                mongodb_uri=uri,
                redis_url=f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(REDIS_PORT)}/0",
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for c in reversed(self._containers):
            with contextlib.suppress(Exception):
                c.stop()
        self._containers.clear()
