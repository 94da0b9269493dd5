"""LocalInfra keeps Kafka's log and MongoDB's data as one set under its workdir: reused together
across restarts, or started afresh together; Redis starts empty every time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gongnon_infra.infra import STORES_FILE, LocalInfra, kafka_cluster_id_of


def _kafka_log(workdir: Path, cluster_id: str) -> None:
    data = workdir / "kafka-data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text(f"#\nnode.id=1\ndirectory.id=abc\nversion=1\ncluster.id={cluster_id}\n")
    (data / "gongnon.votes-0").mkdir()


def _mongo_data(workdir: Path) -> None:
    data = workdir / "mongo-data"
    data.mkdir(parents=True)
    (data / "WiredTiger").write_text("x")


def _record(workdir: Path, cluster_id: str) -> None:
    (workdir / STORES_FILE).write_text(json.dumps({"kafka_cluster_id": cluster_id, "kafka_controller_port": 1}))


def _kept(workdir: Path) -> tuple[bool, bool]:
    return (workdir / "kafka-data").exists(), (workdir / "mongo-data").exists()


def test_a_set_made_together_is_kept(tmp_path: Path) -> None:
    _kafka_log(tmp_path, "c1")
    _mongo_data(tmp_path)
    _record(tmp_path, "c1")
    LocalInfra(tmp_path).keep_stores_together()
    assert _kept(tmp_path) == (True, True)
    assert kafka_cluster_id_of(tmp_path / "kafka-data") == "c1"


def test_nothing_yet_is_left_alone(tmp_path: Path) -> None:
    LocalInfra(tmp_path).keep_stores_together()
    assert _kept(tmp_path) == (False, False)


@pytest.mark.parametrize(
    "case",
    [
        "mongo without kafka",  # Kafka's log was wiped at every start before (the old ./dev up)
        "kafka without mongo",
        "kafka of another cluster",
        "no record",  # data from before stores.json
    ],
)
def test_stores_out_of_step_start_afresh_together(tmp_path: Path, case: str) -> None:
    if case != "mongo without kafka":
        _kafka_log(tmp_path, "c1")
    if case != "kafka without mongo":
        _mongo_data(tmp_path)
    if case != "no record":
        _record(tmp_path, "c2" if case == "kafka of another cluster" else "c1")
    LocalInfra(tmp_path).keep_stores_together()
    assert _kept(tmp_path) == (False, False)
    assert not (tmp_path / STORES_FILE).exists()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_redis_starts_empty_even_after_a_save(tmp_path: Path) -> None:
    import redis

    infra = LocalInfra(tmp_path)
    for _ in range(2):
        url = infra._start_redis()
        infra._wait("redis", infra.procs["redis"])
        client = redis.Redis.from_url(url)
        try:
            assert client.get("claim") is None
            client.set("claim", "1")
            client.save()  # a dump.rdb in .dev/redis, as a manual SAVE would leave
        finally:
            client.close()
        infra.stop()
        infra.procs.clear()
    assert (tmp_path / "redis" / "dump.rdb").exists()
