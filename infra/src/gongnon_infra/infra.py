"""The infrastructure Gongnon needs, started locally without Docker:

- Apache Kafka 4.3.1 (KRaft, one combined broker+controller) from Maven Central jars, on Java 17;
- Redis from Debian's redis-server;
- SecantusDB, a MongoDB wire-protocol server (stand-in for mongod on machines without it).

KAFKA_BOOTSTRAP, MONGODB_URI and REDIS_URL, when set, point at existing servers instead, and
when a Docker engine answers the test fixtures use testcontainers with the real images."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from gongnon_infra.procs import Proc, free_port, port_open, wait_until

ROOT = Path(__file__).resolve().parents[3]
KAFKA_DIR = ROOT / "infra" / "kafka"
KAFKA_LIB = KAFKA_DIR / "lib"


@dataclass
class Endpoints:
    kafka_bootstrap: str
    mongodb_uri: str
    redis_url: str

    def env(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP": self.kafka_bootstrap, "MONGODB_URI": self.mongodb_uri, "REDIS_URL": self.redis_url}


def ensure_kafka_jars(quiet: bool = False) -> None:
    """Fetch Kafka and its dependencies from Maven Central once (infra/kafka/lib)."""
    marker = KAFKA_LIB / ".complete"
    if marker.exists():
        return
    if not quiet:
        print("• fetching Apache Kafka 4.3.1 from Maven Central (first run only) …", flush=True)
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Kafka; install Java 17 and Maven")
    subprocess.run(
        ["mvn", "-B", "-q", "dependency:copy-dependencies", f"-DoutputDirectory={KAFKA_LIB}", "-DincludeScope=runtime"],
        cwd=KAFKA_DIR,
        check=True,
    )
    marker.write_text("ok\n")


@dataclass
class LocalInfra:
    """Kafka, Redis and SecantusDB as child processes with their data under `workdir`."""

    workdir: Path
    kafka_port: int = 0
    redis_port: int = 0
    mongo_port: int = 0
    procs: dict[str, Proc] = field(default_factory=dict)

    def start(self) -> Endpoints:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env_kafka = os.environ.get("KAFKA_BOOTSTRAP")
        env_mongo = os.environ.get("MONGODB_URI")
        env_redis = os.environ.get("REDIS_URL")
        kafka = env_kafka or self._start_kafka()
        mongo = env_mongo or self._start_mongo()
        redis = env_redis or self._start_redis()
        for name, proc in self.procs.items():
            self._wait(name, proc)
        return Endpoints(kafka, mongo, redis)

    def _start_kafka(self) -> str:
        ensure_kafka_jars()
        self.kafka_port = self.kafka_port or free_port()
        controller_port = free_port()
        data = self.workdir / "kafka-data"
        props = (KAFKA_DIR / "server.properties").read_text()
        props = (
            props.replace("${KAFKA_PORT}", str(self.kafka_port))
            .replace("${CONTROLLER_PORT}", str(controller_port))
            .replace("${LOG_DIR}", str(data))
        )
        conf = self.workdir / "kafka.properties"
        conf.write_text(props)
        cp = f"{KAFKA_LIB}/*"
        java = ["java", "-Xms256m", "-Xmx768m", f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.yaml'}", "-cp", cp]
        if data.exists():
            shutil.rmtree(data)
        cluster_id = _kafka_cluster_id()
        subprocess.run(
            [*java, "kafka.tools.StorageTool", "format", "--standalone", f"--cluster-id={cluster_id}", "-c", str(conf)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.procs["kafka"] = Proc("kafka", [*java, "kafka.Kafka", str(conf)], self.workdir / "logs/kafka.log").start()
        return f"127.0.0.1:{self.kafka_port}"

    def restart_kafka(self) -> None:
        """Stop and start the same broker on the same data (a broker restart mid-load)."""
        proc = self.procs["kafka"]
        proc.stop(grace=20)
        self.procs["kafka"] = Proc("kafka", proc.argv, proc.log_path).start()
        self._wait("kafka", self.procs["kafka"])

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: ./dev installs it with apt-get install redis-server")
        self.redis_port = self.redis_port or free_port()
        data = self.workdir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        argv = [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(data)]
        argv += ["--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"]
        self.procs["redis"] = Proc("redis", argv, self.workdir / "logs/redis.log").start()
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def restart_redis_empty(self) -> None:
        """Kill Redis and start it again with nothing in it (it keeps no snapshot)."""
        proc = self.procs["redis"]
        proc.kill()
        self.procs["redis"] = Proc("redis", proc.argv, proc.log_path).start()
        self._wait("redis", self.procs["redis"])

    def _start_mongo(self) -> str:
        self.mongo_port = self.mongo_port or free_port()
        data = self.workdir / "mongo-data"
        data.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-c", SECANTUS_MAIN, "--port", str(self.mongo_port), "--storage-path", str(data)]
        self.procs["mongo"] = Proc("mongo", argv, self.workdir / "logs/mongo.log").start()
        return f"mongodb://127.0.0.1:{self.mongo_port}/?replicaSet=secantus"

    def _wait(self, name: str, proc: Proc) -> None:
        port = {"kafka": self.kafka_port, "redis": self.redis_port, "mongo": self.mongo_port}[name]
        wait_until(lambda: port_open(port), 90, name, proc)
        if name == "kafka":
            wait_until(lambda: _kafka_ready(f"127.0.0.1:{port}"), 90, "kafka metadata", proc)

    def stop(self) -> None:
        for name in ("kafka", "redis", "mongo"):
            if name in self.procs:
                self.procs[name].stop(grace=20)


# SecantusDB runs a thread per connection, and its storage calls (WiredTiger) release the GIL
# around every cursor step. While another connection's thread computes, each step then waits up
# to the interpreter's switch interval (5 ms) to get the GIL back: a transaction's 2,000 look-ups
# took 7-11 s under the votes bench, holding the storage lock all that time. A shorter interval
# hands the GIL back sooner.
SECANTUS_MAIN = "import sys; sys.setswitchinterval(0.0002); from secantus.cli import main; sys.exit(main())"


def _kafka_cluster_id() -> str:
    # Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _kafka_ready(bootstrap: str) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        finally:
            await admin.close()

    return asyncio.run(probe())
