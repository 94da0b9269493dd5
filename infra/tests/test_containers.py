"""The testcontainers path (machines with a Docker engine; ours have none): what can be checked
without Docker is the configuration of each container, and that the Kafka env describes a KRaft
node that really starts (rendered to server.properties the way apache/kafka's image does, and
run with the local Kafka jars)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gongnon_infra import containers
from gongnon_infra.infra import KAFKA_DIR, KAFKA_LIB, ensure_kafka_jars
from gongnon_infra.procs import Proc, free_port, port_open, wait_until


def test_kafka_container_is_apache_kafka_in_kraft_mode() -> None:
    spec = containers.kafka_spec()
    assert spec.image.startswith("apache/kafka:")
    env = spec.env
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_NODE_ID"] == "1"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"1@localhost:{containers.KAFKA_CONTROLLER_PORT}"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert "CONTROLLER://" in env["KAFKA_LISTENERS"]
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert len(env["CLUSTER_ID"]) == 22  # 16 bytes, base64url without padding
    # Every listener has a protocol, and the internal topics fit one node.
    names = {listener.split("://")[0] for listener in env["KAFKA_LISTENERS"].split(",")}
    assert names == {p.split(":")[0] for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")}
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in names
    for key in ("OFFSETS_TOPIC", "TRANSACTION_STATE_LOG"):
        assert env[f"KAFKA_{key}_REPLICATION_FACTOR"] == "1"
    # It waits for the advertised listener (the host's mapped port), then runs the image's start.
    assert spec.command is not None
    assert spec.command[:2] == ["sh", "-c"]
    assert containers.KAFKA_READY_FLAG in spec.command[2]
    assert spec.command[2].endswith("exec /etc/kafka/docker/run")


def test_kafka_advertises_the_mapped_port() -> None:
    line = containers.kafka_advertised_env("docker-host.example", 49153)
    assert line.startswith("export KAFKA_ADVERTISED_LISTENERS=")
    assert "PLAINTEXT://docker-host.example:49153" in line
    assert f"BROKER://$(hostname):{containers.KAFKA_BROKER_PORT}" in line


def test_mongo_container_is_a_replica_set_without_root_credentials() -> None:
    spec = containers.mongo_spec()
    assert spec.image.startswith("mongo:")
    assert not any(k.startswith("MONGO_INITDB_ROOT") for k in spec.env)
    assert spec.command is not None
    assert spec.command[spec.command.index("--replSet") + 1] == containers.MONGO_REPLICA_SET
    assert "--bind_ip_all" in spec.command
    assert "--keyFile" not in spec.command
    config = containers.mongo_replica_set_config()
    assert config["_id"] == containers.MONGO_REPLICA_SET
    assert len(config["members"]) == 1
    assert "directConnection=true" in containers.mongo_uri("localhost", 32768)


def test_containers_are_built_from_the_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DockerContainers get exactly the spec's image, env and command (no Docker needed:
    the client testcontainers would open is replaced)."""
    import testcontainers.core.container as tc

    class NoDocker:
        def __init__(self, **_: Any) -> None:
            pass

    monkeypatch.setattr(tc, "DockerClient", NoDocker)
    for spec in (containers.kafka_spec(), containers.mongo_spec(), containers.redis_spec()):
        c = containers.build_container(spec)
        assert c.image.endswith(spec.image)
        assert c.env == spec.env
        assert c._command == spec.command
        assert [int(p) for p in c.ports] == [spec.port]
    mongo = containers.build_container(containers.mongo_spec())
    assert "MONGO_INITDB_ROOT_USERNAME" not in mongo.env


def _properties_from_env(env: dict[str, str]) -> dict[str, str]:
    """apache/kafka's image: KAFKA_FOO_BAR → foo.bar (___ → -, __ → _), CLUSTER_ID aside."""
    props = {}
    for key, value in env.items():
        if not key.startswith("KAFKA_"):
            continue
        name = key[len("KAFKA_") :].lower().replace("___", "\0").replace("__", "\1").replace("_", ".")
        props[name.replace("\0", "-").replace("\1", "_")] = value
    return props


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java to run Kafka")
def test_kafka_container_env_starts_a_kraft_broker(tmp_path: Path) -> None:
    """The container's env, rendered as the image renders it (ports moved to free local ones),
    formats and starts a Kafka that serves a producer and a consumer group."""
    ensure_kafka_jars(quiet=True)
    spec = containers.kafka_spec()
    client, broker, controller = free_port(), free_port(), free_port()
    env = dict(spec.env)
    line = containers.kafka_advertised_env("127.0.0.1", client).replace("$(hostname)", "127.0.0.1")
    m = re.fullmatch(r'export KAFKA_ADVERTISED_LISTENERS="(.*)"\n', line)
    assert m is not None
    env["KAFKA_ADVERTISED_LISTENERS"] = m.group(1)
    env["KAFKA_LOG_DIRS"] = str(tmp_path / "logs")
    text = "\n".join(f"{k}={v}" for k, v in _properties_from_env(env).items())
    ports = {containers.KAFKA_PORT: client, containers.KAFKA_BROKER_PORT: broker}
    ports[containers.KAFKA_CONTROLLER_PORT] = controller
    for inside, local in ports.items():
        text = text.replace(f":{inside}", f":{local}")
    text = text.replace("0.0.0.0", "127.0.0.1")
    conf = tmp_path / "server.properties"
    conf.write_text(text + "\n")
    java = ["java", f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.yaml'}", "-cp", f"{KAFKA_LIB}/*"]
    fmt = [*java, "kafka.tools.StorageTool", "format", f"--cluster-id={env['CLUSTER_ID']}", "-c", str(conf)]
    subprocess.run(fmt, check=True, stdout=subprocess.DEVNULL)
    proc = Proc("kafka", [*java, "-Xmx512m", "kafka.Kafka", str(conf)], tmp_path / "kafka.log").start()
    try:
        wait_until(lambda: port_open(client), 90, "kafka", proc)
        asyncio.run(_produce_and_consume(f"127.0.0.1:{client}"))
    finally:
        proc.stop(grace=20)


async def _produce_and_consume(bootstrap: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    for _ in range(60):
        try:
            await producer.start()
            break
        except Exception:
            await asyncio.sleep(0.5)
    else:
        raise AssertionError("the broker never answered")
    try:
        await producer.send_and_wait("containers.check", b"hello")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        "containers.check", bootstrap_servers=bootstrap, group_id="check", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 60)
        assert record.value == b"hello"
    finally:
        await consumer.stop()


def test_container_infra_stops_what_it_started_when_a_start_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    stopped: list[str] = []

    class Fake:
        def __init__(self, spec: containers.ContainerSpec) -> None:
            self.spec = spec

        def start(self) -> None:
            if self.spec.image.startswith("redis"):
                raise RuntimeError("no such image")
            started.append(self.spec.image)

        def stop(self) -> None:
            stopped.append(self.spec.image)

    monkeypatch.setattr(containers, "build_container", lambda spec, wait=True: Fake(spec))
    with pytest.raises(RuntimeError, match="no such image"):
        containers.ContainerInfra().start()
    assert len(started) == 2
    assert sorted(stopped) == sorted(started)
