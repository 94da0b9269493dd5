"""Integration harness: the gateway app in its lifespan against real infra, with the services
replaced by one small real HTTP server (aiohttp) that records every request it receives."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI

from gongnon_chassis.actor import ACTOR_HEADER, RELAY, Actor
from gongnon_chassis.actor_tokens import ActorTokenVerifier, development_key
from gongnon_chassis.clock import SystemClock
from gongnon_chassis.errors import Unauthorized
from gongnon_gateway.bootstrap import build_app
from gongnon_gateway.core.config import GatewaySettings
from gongnon_gateway.core.edge_settings import EdgeSettings
from gongnon_infra.cluster import LOCAL_LIMITS

ADMIN_EMAIL = "admin@gongnon.test"
ADMIN_PASSWORD = "admin-password-1"
# The fake services check the actor as the real ones do (the gateway signs with the development key).
_VERIFIER = ActorTokenVerifier({development_key().kid: development_key().public}, SystemClock())


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def actor(self) -> Actor:
        """The actor the gateway signed for this call (the signature is checked)."""
        return _VERIFIER.verify(self.headers[ACTOR_HEADER])


Reply = tuple[int, Any]


@dataclass
class FakeServices:
    """Answers scripted replies per (method, path); unknown paths get 404 in the error shape."""

    received: list[Received] = field(default_factory=list)
    script: dict[tuple[str, str], list[Reply] | Callable[[Received], Reply]] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    def on(self, method: str, path: str, *replies: Reply) -> None:
        """Reply in turn with each (status, json); the last one repeats."""
        self.script[(method, path)] = list(replies)

    def calls(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path == path]

    async def _handle(self, request: web.Request) -> web.Response:
        rec = Received(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers.items()),
            body=await request.read(),
        )
        self.received.append(rec)
        if (rec.method, rec.path) == ("POST", "/supports") and ("POST", "/supports") not in self.script:
            try:  # as voting-svc: actors in a body only from the gateway's relay, signed
                relayed = ACTOR_HEADER in rec.headers and rec.actor() == RELAY
            except Unauthorized:
                relayed = False
            if not relayed:
                body = {"error": {"code": "relay_only", "message": "not the gateway's relay", "details": None}}
                return web.json_response(body, status=403)
            return web.json_response({"results": [self._one_support(rec, s) for s in rec.json()["supports"]]})
        status, payload = self._reply(rec)
        return web.json_response(payload, status=status)

    def _one_support(self, batch: Received, support: dict[str, Any]) -> dict[str, Any]:
        # voting-svc's batch of supports answers each as `POST /items/{id}/support` would: so does
        # the fake, from the same script, and records each as that call (the actor as its header).
        headers = {**batch.headers, **Actor.model_validate(support["actor"]).header()}
        rec = Received("POST", f"/items/{support['item_id']}/support", {}, headers, b"")
        self.received.append(rec)
        status, payload = self._reply(rec)
        return {"status": status, "body": payload}

    def _reply(self, rec: Received) -> Reply:
        entry = self.script.get((rec.method, rec.path))
        if entry is None:
            return 404, {"error": {"code": "not_found", "message": "no such route", "details": None}}
        if callable(entry):
            return entry(rec)
        return entry.pop(0) if len(entry) > 1 else entry[0]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def dead_url() -> str:
    """A local port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
async def services() -> AsyncIterator[FakeServices]:
    fake = FakeServices()
    await fake.start()
    yield fake
    await fake.stop()


class Kit:
    """Helpers for the test modules (importlib mode: tests cannot import conftest)."""

    admin_email = ADMIN_EMAIL
    admin_password = ADMIN_PASSWORD
    dead_url = staticmethod(dead_url)

    @staticmethod
    @asynccontextmanager
    async def running_gateway(
        infra: Any,
        name: str,
        urls: dict[str, str],
        *,
        test_mode: bool,
        edge: EdgeSettings | None = None,
        fresh: bool = True,
        **env: Any,
    ) -> AsyncIterator[FastAPI]:
        """The gateway in its lifespan. `edge`: its edge settings; by default the rate limits of a
        local cluster (every test client is one address), the limit tests pass their own.
        fresh=False: another replica of a gateway already running under this name (its database
        kept); env: further settings by their environment names."""
        values: dict[str, Any] = {
            "SERVICE_NAME": name,
            "MONGODB_DATABASE": name.replace("-", "_"),
            "KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "MONGODB_URI": infra.mongodb_uri,
            "REDIS_URL": infra.redis_url,
            "GONGNON_TEST_MODE": test_mode,
            "GONGNON_DEV_MODE": True,  # the development actor key and identity provider
            "GATEWAY_SECRET": f"secret-of-{name}",
            "GONGNON_ADMIN_EMAIL": ADMIN_EMAIL,
            "GONGNON_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "edge": edge or EdgeSettings(**LOCAL_LIMITS),
            **urls,
        }
        settings = GatewaySettings(**{**values, **env})
        app = build_app(settings)
        rt = app.state.gateway.runtime
        if fresh:
            await rt.mongo.drop_database(settings.db_name())  # a clean database per run
        async with app.router.lifespan_context(app):
            yield app

    @staticmethod
    def urls(proposal: str, voting: str, review: str, notify: str) -> dict[str, str]:
        return {
            "PROPOSAL_SVC_URL": proposal,
            "VOTING_SVC_URL": voting,
            "REVIEW_SVC_URL": review,
            "NOTIFY_SVC_URL": notify,
        }

    @staticmethod
    def client(app: FastAPI) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    async def register_and_login(
        client: httpx.AsyncClient, email: str, *, name: str = "시민", password: str = "password-123"
    ) -> str:
        body = {"email": email, "password": password, "display_name": name}
        r = await client.post("/api/auth/register", json=body)
        assert r.status_code == 201, r.text
        r = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        token: str = r.json()["token"]
        return token

    @staticmethod
    async def verify(client: httpx.AsyncClient, token: str, name: str, birth: str, phone: str) -> str:
        r = await client.post(
            "/api/auth/verify",
            json={"name": name, "birth_date": birth, "phone": phone},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
        new_token: str = r.json()["token"]
        return new_token


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
