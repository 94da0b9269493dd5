"""The Kafka-credentials routes through the gateway app (real MongoDB; a gateway without a Kafka
listener for agencies): who may ask is checked first, then the agency, then whether the platform
has a listener (503 `kafka_access_unavailable`). With a listener: tests/test_kafka_agency_access.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    urls["KAFKA_SCRAM_BOOTSTRAP"] = ""  # whatever the environment says: no listener for agencies
    async with kit.running_gateway(infra, "gateway-test-kafka-access", urls, test_mode=False) as app:
        yield app


async def _token(client: httpx.AsyncClient, email: str, password: str) -> str:
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


async def test_who_may_ask_then_which_agency_then_the_listener(app: FastAPI, kit: Any) -> None:
    async with kit.client(app) as client:
        root = await _token(client, kit.admin_email, kit.admin_password)
        for agency in ("kafka-one", "kafka-two"):
            body = {"id": agency, "name_ko": agency, "name_en": agency}
            r = await client.post("/api/agencies", json=body, headers=kit.bearer(root))
            assert r.status_code == 201, r.text
        staff = {"email": "boss@kafka-two.kr", "password": "password-123", "display_name": "boss"}
        staff |= {"role": "agency_admin", "agency": "kafka-two"}
        assert (await client.post("/api/admin/accounts", json=staff, headers=kit.bearer(root))).status_code == 201
        other = await _token(client, "boss@kafka-two.kr", "password-123")
        citizen = await kit.register_and_login(client, "kafka-citizen@example.org")

        path = "/api/agencies/kafka-one/kafka-credentials"
        for method in ("POST", "GET", "DELETE"):
            assert (await client.request(method, path)).status_code == 401
            r = await client.request(method, path, headers=kit.bearer(other))
            assert (r.status_code, r.json()["error"]["code"]) == (403, "other_agency")
            assert (await client.request(method, path, headers=kit.bearer(citizen))).status_code == 403
            # Another agency's admin learns nothing of agencies that do not exist either.
            r = await client.request(method, "/api/agencies/nowhere/kafka-credentials", headers=kit.bearer(other))
            assert r.status_code == 403
            r = await client.request(method, "/api/agencies/nowhere/kafka-credentials", headers=kit.bearer(root))
            assert (r.status_code, r.json()["error"]["code"]) == (404, "agency_not_found")
            r = await client.request(method, path, headers=kit.bearer(root))
            assert (r.status_code, r.json()["error"]["code"]) == (503, "kafka_access_unavailable")
