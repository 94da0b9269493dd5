"""The gateway's HTTP client for the services: one aiohttp session per process, keep-alive,
generous connection limits (it is on the vote hot path).

Upstream 2xx/4xx replies are passed on unchanged, and so is a service's own 503 in the error shape
(e.g. `votes_recovering`: the client should retry); an unreachable service becomes 503
`upstream_unavailable` and any other upstream 5xx becomes 502 `upstream_error`.

The caller travels signed (gongnon_chassis.actor_tokens): each actor's token is made once and
reused for half its lifetime. A service refusing the gateway's own signature (401
`actor_token_invalid`: the keys do not match) is the platform's fault, not the caller's: 502."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
import orjson
from fastapi.responses import Response
from opentelemetry import propagate

from gongnon_chassis.actor import Actor
from gongnon_chassis.actor_tokens import INVALID as ACTOR_TOKEN_INVALID
from gongnon_chassis.actor_tokens import ActorTokenSigner
from gongnon_chassis.errors import DomainError, Invalid, error_body

log = logging.getLogger(__name__)


class Service(StrEnum):
    PROPOSAL = "proposal-svc"
    VOTING = "voting-svc"
    REVIEW = "review-svc"
    NOTIFY = "notify-svc"


class UpstreamProblem(DomainError):
    """A service could not answer; the caller's request may well have been fine."""


class UpstreamUnavailable(UpstreamProblem):
    status = 503
    code = "upstream_unavailable"


class UpstreamFailed(UpstreamProblem):
    status = 502
    code = "upstream_error"


@dataclass(frozen=True)
class UpstreamReply:
    service: Service
    status: int
    body: bytes
    content_type: str
    disposition: str = ""  # Content-Disposition, for a file passed on as it came

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError:
            return None

    def error_code(self) -> str | None:
        data = self.json()
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            code = data["error"].get("code")
            return str(code) if code is not None else None
        return None

    def error_message(self) -> str | None:
        data = self.json()
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            message = data["error"].get("message")
            return str(message) if message is not None else None
        return None

    def to_response(self) -> Response:
        """The reply as the gateway's own response: status and JSON body unchanged."""
        if self.content_type.startswith("application/json") or self.status == 204:
            return Response(content=self.body, status_code=self.status, media_type=self.content_type or None)
        # A non-JSON 4xx (a proxy page, say) still reaches the client in the one error shape.
        text = self.body.decode("utf-8", "replace")[:500]
        payload = error_body("http_error", text or f"{self.service} answered {self.status}")
        return Response(content=orjson.dumps(payload), status_code=self.status, media_type="application/json")


def vetted(reply: UpstreamReply, method: str, path: str) -> UpstreamReply:
    """The reply to pass on, or the gateway's own error for a service that failed."""
    if reply.status == 503 and reply.error_code():
        return reply  # the service says "not now, retry": its code matters to the client
    if reply.status == 401 and reply.error_code() == ACTOR_TOKEN_INVALID:
        log.error("%s refused the gateway's actor token for %s %s: %s", reply.service.value, method, path, reply.json())
        raise UpstreamFailed(
            f"{reply.service.value} did not accept the gateway's signature",
            details={"service": reply.service.value, "status": reply.status},
        )
    if reply.status >= 500:
        log.warning("%s answered %s for %s %s", reply.service.value, reply.status, method, path)
        raise UpstreamFailed(
            f"{reply.service.value} failed to answer",
            details={"service": reply.service.value, "status": reply.status, "upstream": reply.json()},
        )
    return reply


class Upstream:
    def __init__(
        self, urls: Mapping[Service, str], timeout_s: float, max_connections: int, actors: ActorTokenSigner
    ) -> None:
        # A service's URL may name several instances, comma-separated ("http://a:8102,http://b:8102"):
        # requests take turns among them, and one that refuses the connection (not started, or gone)
        # is passed over for the next — safe for any method, since nothing reached it. Behind a
        # Kubernetes Service there is one URL and the Service balances.
        self._urls = {s: [one.strip().rstrip("/") for one in u.split(",") if one.strip()] for s, u in urls.items()}
        self._turn = dict.fromkeys(self._urls, 0)
        self._actors = actors
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(3.0, timeout_s))
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def url(self, service: Service) -> str:
        return self._urls[service][0]

    def _instances(self, service: Service) -> list[str]:
        """The service's instances, starting at the next one's turn."""
        urls = self._urls[service]
        if len(urls) == 1:
            return urls
        turn = self._turn[service] = (self._turn[service] + 1) % len(urls)
        return urls[turn:] + urls[:turn]

    async def start(self) -> None:
        # Created inside the running loop; one session (one connection pool) for the whole process.
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            # Below the services' own keep-alive (uvicorn closes idle connections after 5 s): reusing
            # a connection the service just closed fails a POST, which cannot safely be retried.
            keepalive_timeout=4.0,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            raise_for_status=False,
            skip_auto_headers=("User-Agent",),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        actor: Actor | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        timeout_s: float | None = None,
    ) -> UpstreamReply:
        if self._session is None:
            raise UpstreamUnavailable("the gateway is not started", details={"service": service.value})
        headers: dict[str, str] = {"Accept": "application/json"}
        if actor is not None:
            headers.update(self._actors.header(actor))
        data: bytes | None = None
        if json_body is not None:
            try:
                data = orjson.dumps(json_body)
            except orjson.JSONEncodeError as exc:  # an integer beyond 64 bits that a model let through
                raise Invalid("a number in the request is out of range", code="number_out_of_range") from exc
            headers["Content-Type"] = "application/json"
        query = {k: str(v) for k, v in (params or {}).items() if v is not None and v != ""}
        instances = self._instances(service)
        propagate.inject(headers)  # W3C traceparent: the request's server span is the parent
        # A GET may be retried once on a keep-alive connection the service had just closed.
        attempts = 2 if method == "GET" else 1
        # A longer budget for the rare large call (an offline ballot import), not for the hot path.
        extra: dict[str, Any] = {"timeout": aiohttp.ClientTimeout(total=timeout_s, connect=3.0)} if timeout_s else {}
        attempt = 0
        while True:
            url = f"{instances[0]}{path}"
            try:
                async with self._session.request(
                    method, url, params=query, data=data, headers=headers, **extra
                ) as resp:
                    body = await resp.read()
                    ctype = resp.headers.get("Content-Type", "")
                    disposition = resp.headers.get("Content-Disposition", "")
                    reply = UpstreamReply(service, resp.status, body, ctype, disposition)
                    break
            except aiohttp.ClientConnectorError as exc:
                if len(instances) > 1:  # refused before anything was sent: the next instance
                    instances = instances[1:]
                    continue
                log.warning("%s unreachable: %s %s: %r", service.value, method, path, exc)
                raise UpstreamUnavailable(
                    f"{service.value} is unavailable, please try again shortly", details={"service": service.value}
                ) from None
            except aiohttp.ServerDisconnectedError:
                attempt += 1
                if attempt < attempts:
                    continue
                raise UpstreamUnavailable(
                    f"{service.value} closed the connection", details={"service": service.value}
                ) from None
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("%s unreachable: %s %s: %r", service.value, method, path, exc)
                raise UpstreamUnavailable(
                    f"{service.value} is unavailable, please try again shortly", details={"service": service.value}
                ) from None
        return vetted(reply, method, path)

    async def forward(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        actor: Actor | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> Response:
        reply = await self.request(service, method, path, actor=actor, params=params, json_body=json_body)
        return reply.to_response()
