"""pytest fixtures for real infrastructure.

`infra` (session): Kafka, MongoDB and Redis endpoints. Explicit URIs in the environment win;
else testcontainers when a Docker engine answers; else local processes (LocalInfra)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongnon_infra.infra import Endpoints, LocalInfra


class InfraHandle:
    def __init__(self, endpoints: Endpoints, local: LocalInfra | None) -> None:
        self.endpoints = endpoints
        self.local = local  # present when we own the processes (fault tests can restart them)

    @property
    def kafka_bootstrap(self) -> str:
        return self.endpoints.kafka_bootstrap

    @property
    def mongodb_uri(self) -> str:
        return self.endpoints.mongodb_uri

    @property
    def redis_url(self) -> str:
        return self.endpoints.redis_url


@pytest.fixture(scope="session")
def infra() -> Iterator[InfraHandle]:
    from gongnon_infra.containers import ContainerInfra, docker_available

    explicit = all(os.environ.get(k) for k in ("KAFKA_BOOTSTRAP", "MONGODB_URI", "REDIS_URL"))
    if not explicit and os.environ.get("GONGNON_USE_DOCKER", "auto") != "never" and docker_available():
        containers = ContainerInfra()
        try:
            yield InfraHandle(containers.start(), None)
        finally:
            containers.stop()
        return
    workdir = Path(tempfile.mkdtemp(prefix="gongnon-test-"))
    local = LocalInfra(workdir)
    try:
        endpoints = local.start()
        yield InfraHandle(endpoints, local)
    finally:
        local.stop()
