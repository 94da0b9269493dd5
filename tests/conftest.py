"""Cross-service tests: the five services run as separate processes over real Kafka, MongoDB
(SecantusDB) and Redis, and the tests drive them only through the gateway's HTTP API."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gongnon_infra.cluster import Cluster
from tests.support import Gateway


@pytest.fixture(scope="session")
def cluster(infra: Any) -> Iterator[Cluster]:
    workdir = Path(tempfile.mkdtemp(prefix="gongnon-cluster-"))
    c = Cluster(infra.endpoints, workdir, test_mode=True)
    c.start()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
async def gw(cluster: Cluster) -> AsyncIterator[Gateway]:
    async with Gateway.open(cluster.gateway_url) as g:
        yield g
