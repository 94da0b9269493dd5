"""Three Kafka brokers on loopback, for the scale-out test and `./dev bench scale` (issue 16).

Each is its own JVM (KRaft, combined broker and controller, node ids 1-3) with its own ports and
log directory; the three controllers form a static quorum, so one node killed leaves a majority
and the cluster goes on. Topics get three replicas and `min.insync.replicas=2` (what the Helm chart
sets): an acks=all send returns only when two copies have the record, so a broker killed mid-load
loses no acknowledged vote. The configuration is the single broker's (infra/kafka/server.properties)
with the quorum and replication lines replaced, so both clusters differ only where they must."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gongnon_infra.procs import Proc, free_port, port_open, wait_until

REPLICATED = {
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
}


@dataclass(frozen=True)
class Node:
    node_id: int
    port: int
    scram_port: int
    controller_port: int


def node_properties(template: str, node: Node, voters: str, log_dir: Path) -> str:
    """server.properties for one node of the quorum."""
    props = (
        template.replace("${KAFKA_PORT}", str(node.port))
        .replace("${KAFKA_SCRAM_PORT}", str(node.scram_port))
        .replace("${CONTROLLER_PORT}", str(node.controller_port))
        .replace("${LOG_DIR}", str(log_dir))
    )
    props = re.sub(r"(?m)^node\.id=.*$", f"node.id={node.node_id}", props)
    # A static quorum of the three controllers instead of the single node's bootstrap server.
    props = re.sub(r"(?m)^controller\.quorum\.bootstrap\.servers=.*$", f"controller.quorum.voters={voters}", props)
    for key, value in REPLICATED.items():
        props, n = re.subn(rf"(?m)^{re.escape(key)}=.*$", f"{key}={value}", props)
        if n == 0:
            props += f"\n{key}={value}\n"
    return props


@dataclass
class KafkaQuorum:
    workdir: Path
    kafka_dir: Path
    kafka_lib: Path
    size: int = 3
    nodes: list[Node] = field(default_factory=list)
    procs: dict[int, Proc] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def _java(self) -> list[str]:
        log4j = self.kafka_dir / "log4j2.yaml"
        return ["java", "-Xms256m", "-Xmx512m", f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{self.kafka_lib}/*"]

    def _conf(self, node: Node) -> Path:
        return self.workdir / f"kafka-{node.node_id}.properties"

    def start(self, cluster_id: str) -> str:
        self.nodes = [Node(i, free_port(), free_port(), free_port()) for i in range(1, self.size + 1)]
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        template = (self.kafka_dir / "server.properties").read_text()
        for node in self.nodes:
            data = self.workdir / f"kafka-data-{node.node_id}"
            shutil.rmtree(data, ignore_errors=True)
            self._conf(node).write_text(node_properties(template, node, voters, data))
            fmt = ["kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}", "-c", str(self._conf(node))]
            subprocess.run([*self._java(), *fmt], check=True, stdout=subprocess.DEVNULL)
        for node in self.nodes:
            self.start_node(node.node_id, wait=False)
        for node in self.nodes:
            self._wait(node)
        return self.bootstrap

    def start_node(self, node_id: int, wait: bool = True) -> None:
        node = self.nodes[node_id - 1]
        argv = [*self._java(), "kafka.Kafka", str(self._conf(node))]
        self.procs[node_id] = Proc(f"kafka-{node_id}", argv, self.workdir / f"logs/kafka-{node_id}.log").start()
        if wait:
            self._wait(node)

    def kill_node(self, node_id: int) -> None:
        """SIGKILL: the broker dies mid-write, as a machine would."""
        self.procs[node_id].kill()

    def _wait(self, node: Node) -> None:
        wait_until(lambda: port_open(node.port), 90, f"kafka-{node.node_id}", self.procs[node.node_id])

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.stop(grace=20)
