"""The infrastructure Gongnon needs, started locally without Docker:

- Apache Kafka 4.3.1 (KRaft, one combined broker+controller) from Maven Central jars, on Java 17;
- Redis from Debian's redis-server;
- SecantusDB, a MongoDB wire-protocol server (stand-in for mongod on machines without it).

Their data lives under `workdir` and survives a restart: Kafka's log (formatted once, same
cluster id and controller port afterwards) beside MongoDB's data. The two are one set, recorded
in `workdir/stores.json`: when one of them is missing or belongs to another set, both start
afresh, so MongoDB never holds state that Kafka's log and consumer offsets know nothing of.
Redis starts empty every time on purpose: it holds live counts, vote claims and locks, which
voting-svc rebuilds from its MongoDB ledger (recovery.RedisGuard) before it takes votes.

KAFKA_BOOTSTRAP, MONGODB_URI and REDIS_URL, when set, point at existing servers instead, and
when a Docker engine answers the test fixtures use testcontainers with the real images."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from gongnon_infra.kafka_quorum import KafkaQuorum
from gongnon_infra.procs import Proc, free_port, popen_child, port_open, wait_until

ROOT = Path(__file__).resolve().parents[3]
KAFKA_DIR = ROOT / "infra" / "kafka"
KAFKA_LIB = KAFKA_DIR / "lib"
# How many jars infra/kafka/pom.xml resolves to; only for the progress line of the first fetch.
KAFKA_JARS_EXPECTED = 92
STORES_FILE = "stores.json"
# The SCRAM listener's super user for operators (server.properties: super.users), made at start.
KAFKA_ADMIN_USER = "admin"
KAFKA_ADMIN_DEV_PASSWORD = "gongnon-kafka-admin-dev"


@dataclass
class Endpoints:
    kafka_bootstrap: str
    mongodb_uri: str
    redis_url: str
    # Partner agencies' Kafka clients: the SASL/SCRAM-SHA-512 listener and its admin (super) user.
    kafka_scram_bootstrap: str = ""
    kafka_admin_username: str = ""
    kafka_admin_password: str = field(default="", repr=False)

    def env(self) -> dict[str, str]:
        env = {"KAFKA_BOOTSTRAP": self.kafka_bootstrap, "MONGODB_URI": self.mongodb_uri, "REDIS_URL": self.redis_url}
        if self.kafka_scram_bootstrap:
            env["KAFKA_SCRAM_BOOTSTRAP"] = self.kafka_scram_bootstrap
        if self.kafka_admin_username:
            env["KAFKA_ADMIN_USERNAME"] = self.kafka_admin_username
            env["KAFKA_ADMIN_PASSWORD"] = self.kafka_admin_password
        return env


def _say(msg: str) -> None:
    print(msg, flush=True)


def ensure_kafka_jars(quiet: bool = False, lib: Path = KAFKA_LIB) -> None:
    """Fetch Kafka and its dependencies from Maven Central once (infra/kafka/lib), with progress."""
    marker = lib / ".complete"
    if marker.exists():
        return
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Kafka; ./dev installs it (apt-get install maven)")
    say = (lambda _msg: None) if quiet else _say
    say(f"• fetching Apache Kafka 4.3.1 and its dependencies from Maven Central into {lib} (first run only) …")
    # Fetched beside lib/ and renamed into place complete (marker included), so a run stopped
    # half-way leaves no lib/ that looks done, and two first runs at once do not mix their files.
    partial = lib.with_name(f".{lib.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    argv = ["mvn", "-B", "-Dstyle.color=never", "dependency:copy-dependencies"]
    argv += [f"-DoutputDirectory={partial}", "-DincludeScope=runtime"]
    proc = popen_child(argv, cwd=KAFKA_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    tail: list[str] = []
    downloaded = jars_downloaded = copied = 0
    last = 0.0

    def progress(final: bool = False) -> None:
        nonlocal last
        if final or time.monotonic() - last >= 2:
            last = time.monotonic()
            say(
                f"  Maven: {downloaded} files downloaded ({jars_downloaded} jars), "
                f"{copied} of ~{KAFKA_JARS_EXPECTED} jars copied"
            )

    try:
        for line in proc.stdout:
            tail = [*tail[-40:], line.rstrip()]
            if line.startswith("Downloaded from") or "] Downloaded from" in line:
                downloaded += 1
                jars_downloaded += ".jar " in line
                progress()
            elif "] Copying " in line:
                copied += 1
                progress()
        if proc.wait() != 0:
            raise RuntimeError("fetching Kafka with Maven failed:\n" + "\n".join(tail))
        progress(final=True)
        if marker.exists():  # another run finished first: its copy serves
            return
        (partial / ".complete").write_text("ok\n")
        shutil.rmtree(lib, ignore_errors=True)  # an incomplete one from before the marker existed
        partial.rename(lib)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(partial, ignore_errors=True)
    jars = list(lib.glob("*.jar"))
    say(f"  {len(jars)} jars in {lib} ({sum(p.stat().st_size for p in jars) / 1e6:.0f} MB)")


def kafka_cluster_id_of(log_dir: Path) -> str | None:
    """The cluster id a formatted Kafka log dir belongs to (meta.properties), None if unformatted."""
    try:
        text = (log_dir / "meta.properties").read_text()
    except OSError:
        return None
    m = re.search(r"^cluster\.id=(\S+)$", text, re.MULTILINE)
    return m.group(1) if m else None


@dataclass
class LocalInfra:
    """Kafka, Redis and SecantusDB as child processes with their data under `workdir`."""

    workdir: Path
    kafka_port: int = 0
    kafka_scram_port: int = 0
    redis_port: int = 0
    mongo_port: int = 0
    # 3: three brokers in a KRaft quorum, topics replicated three times (kafka_quorum.py; the
    # scale-out test and bench). 1: the one combined broker everything else uses.
    kafka_brokers: int = 1
    procs: dict[str, Proc] = field(default_factory=dict)
    quorum: KafkaQuorum | None = None

    @property
    def kafka_data(self) -> Path:
        return self.workdir / "kafka-data"

    @property
    def mongo_data(self) -> Path:
        return self.workdir / "mongo-data"

    def start(self) -> Endpoints:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env_kafka = os.environ.get("KAFKA_BOOTSTRAP")
        env_mongo = os.environ.get("MONGODB_URI")
        env_redis = os.environ.get("REDIS_URL")
        if not env_kafka and not env_mongo:
            self.keep_stores_together()
        kafka = env_kafka or (self._start_kafka() if self.kafka_brokers == 1 else self._start_quorum())
        mongo = env_mongo or self._start_mongo()
        redis = env_redis or self._start_redis()
        for name, proc in self.procs.items():
            self._wait(name, proc)
        return Endpoints(kafka, mongo, redis, *self._kafka_scram(started=not env_kafka))

    def _kafka_scram(self, started: bool) -> tuple[str, str, str]:
        """The SCRAM listener and its admin user: ours when we started Kafka (the admin's password
        set now, KAFKA_ADMIN_PASSWORD or the development one); explicit settings win."""
        scram = os.environ.get("KAFKA_SCRAM_BOOTSTRAP", "")
        user = os.environ.get("KAFKA_ADMIN_USERNAME", "")
        password = os.environ.get("KAFKA_ADMIN_PASSWORD", "")
        if started:
            from gongnon_gateway.core.kafka_access import admin_config, upsert_scram_user

            user, password = KAFKA_ADMIN_USER, password or KAFKA_ADMIN_DEV_PASSWORD
            upsert_scram_user(admin_config(f"127.0.0.1:{self.kafka_port}"), user, password)
            scram = scram or f"127.0.0.1:{self.kafka_scram_port}"
        return scram, user, password

    # -- Kafka and MongoDB: one set of data -------------------------------------------------------

    def _stores(self) -> dict[str, object]:
        try:
            data = json.loads((self.workdir / STORES_FILE).read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def keep_stores_together(self) -> None:
        """Reuse Kafka's log and MongoDB's data when they were made together; else wipe both.

        Reused: Kafka's log is formatted with the cluster id recorded in stores.json and MongoDB's
        data is there. Fresh: neither is there. Anything else (one missing, a log of another
        cluster, data from before stores.json existed) would leave MongoDB's state without the
        events and consumer offsets it was built from, so both go."""
        cluster_id = kafka_cluster_id_of(self.kafka_data)
        mongo_there = self.mongo_data.is_dir() and any(self.mongo_data.iterdir())
        if cluster_id is None and not mongo_there:
            return
        if cluster_id is not None and mongo_there and self._stores().get("kafka_cluster_id") == cluster_id:
            return
        why = (
            "Kafka's log is missing"
            if cluster_id is None
            else "MongoDB's data is missing"
            if not mongo_there
            else "they were not made together"
        )
        _say(f"• {self.workdir}: Kafka's log and MongoDB's data are out of step ({why}); starting both afresh")
        shutil.rmtree(self.kafka_data, ignore_errors=True)
        shutil.rmtree(self.mongo_data, ignore_errors=True)
        (self.workdir / STORES_FILE).unlink(missing_ok=True)

    def _start_kafka(self) -> str:
        ensure_kafka_jars()
        self.kafka_port = self.kafka_port or free_port()
        self.kafka_scram_port = self.kafka_scram_port or free_port()
        data = self.kafka_data
        stores = self._stores()
        cluster_id = kafka_cluster_id_of(data)
        saved_port = stores.get("kafka_controller_port")
        fresh = cluster_id is None or stores.get("kafka_cluster_id") != cluster_id
        # The controller's address is in the KRaft voter set written at format time: keep it. A
        # single voter also starts on another port (tried), so a port taken meanwhile is replaced.
        if not fresh and isinstance(saved_port, int) and port_free(saved_port):
            controller_port = saved_port
        else:
            controller_port = free_port()
        props = (KAFKA_DIR / "server.properties").read_text()
        props = (
            props.replace("${KAFKA_PORT}", str(self.kafka_port))
            .replace("${KAFKA_SCRAM_PORT}", str(self.kafka_scram_port))
            .replace("${CONTROLLER_PORT}", str(controller_port))
            .replace("${LOG_DIR}", str(data))
        )
        conf = self.workdir / "kafka.properties"
        conf.write_text(props)
        cp = f"{KAFKA_LIB}/*"
        java = ["java", "-Xms256m", "-Xmx768m", f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.yaml'}", "-cp", cp]
        if fresh:
            shutil.rmtree(data, ignore_errors=True)
            cluster_id = _kafka_cluster_id()
            fmt = ["kafka.tools.StorageTool", "format", "--standalone", f"--cluster-id={cluster_id}", "-c", str(conf)]
            subprocess.run([*java, *fmt], check=True, stdout=subprocess.DEVNULL)
        if fresh or saved_port != controller_port:
            state = {"kafka_cluster_id": cluster_id, "kafka_controller_port": controller_port}
            (self.workdir / STORES_FILE).write_text(json.dumps(state, indent=2) + "\n")
        self.procs["kafka"] = Proc("kafka", [*java, "kafka.Kafka", str(conf)], self.workdir / "logs/kafka.log").start()
        return f"127.0.0.1:{self.kafka_port}"

    def _start_quorum(self) -> str:
        ensure_kafka_jars()
        self.quorum = KafkaQuorum(self.workdir, KAFKA_DIR, KAFKA_LIB, size=self.kafka_brokers)
        bootstrap = self.quorum.start(_kafka_cluster_id())
        first = self.quorum.nodes[0]
        self.kafka_port, self.kafka_scram_port = first.port, first.scram_port
        wait_until(lambda: _kafka_ready(bootstrap), 90, "kafka metadata", self.quorum.procs[1])
        return bootstrap

    def quorum_kill(self, node_id: int) -> None:
        """SIGKILL one broker of the three (the scale-out bench and test)."""
        assert self.quorum is not None, "started with kafka_brokers=1"
        self.quorum.kill_node(node_id)

    def quorum_start(self, node_id: int) -> None:
        assert self.quorum is not None, "started with kafka_brokers=1"
        self.quorum.start_node(node_id)

    def restart_kafka(self) -> None:
        """Stop and start the same broker on the same data (a broker restart mid-load)."""
        proc = self.procs["kafka"]
        proc.stop(grace=20)
        self.procs["kafka"] = Proc("kafka", proc.argv, proc.log_path).start()
        self._wait("kafka", self.procs["kafka"])

    # -- Redis: empty at every start ------------------------------------------------------------

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: ./dev installs it with apt-get install redis-server")
        self.redis_port = self.redis_port or free_port()
        data = self.workdir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        # Redis keeps no snapshot: voting-svc rebuilds claims and counts from its ledger (a
        # snapshot from an earlier run could disagree with MongoDB). A dump left by a manual SAVE
        # would still be loaded at start, so it goes.
        (data / "dump.rdb").unlink(missing_ok=True)
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
        data = self.mongo_data
        data.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-c", SECANTUS_MAIN, "--port", str(self.mongo_port), "--storage-path", str(data)]
        self.procs["mongo"] = Proc("mongo", argv, self.workdir / "logs/mongo.log").start()
        return f"mongodb://127.0.0.1:{self.mongo_port}/?replicaSet=secantus"

    def restart_mongo(self) -> None:
        """Stop and start the same SecantusDB on the same port and data directory (a database
        restart mid-load: what was committed stays)."""
        proc = self.procs["mongo"]
        proc.stop(grace=30)
        self.procs["mongo"] = Proc("mongo", proc.argv, proc.log_path).start()
        self._wait("mongo", self.procs["mongo"])

    def _wait(self, name: str, proc: Proc) -> None:
        port = {"kafka": self.kafka_port, "redis": self.redis_port, "mongo": self.mongo_port}[name]
        wait_until(lambda: port_open(port), 90, name, proc)
        if name == "kafka":
            wait_until(lambda: _kafka_ready(f"127.0.0.1:{port}"), 90, "kafka metadata", proc)

    def stop(self) -> None:
        if self.quorum is not None:
            self.quorum.stop()
        for name in ("kafka", "redis", "mongo"):
            if name in self.procs:
                self.procs[name].stop(grace=20)


# How SecantusDB is run (a shorter GIL switch interval, a cheaper record of retryable writes).
SECANTUS_MAIN = "from gongnon_infra.secantus_server import main; main()"


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


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
