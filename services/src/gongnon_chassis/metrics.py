"""Prometheus metrics shared by every service."""

from __future__ import annotations

import time
from typing import Any
from wsgiref.simple_server import WSGIServer

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest, start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("gongnon_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("gongnon_http_request_seconds", "HTTP request latency", ["route"])
EVENTS_PUBLISHED = Counter("gongnon_events_published_total", "Events published from the outbox", ["type"])
EVENTS_CONSUMED = Counter("gongnon_events_consumed_total", "Events handled", ["consumer", "type", "outcome"])
OUTBOX_LEASE_HELD = Gauge("gongnon_outbox_lease_held", "1 while this replica publishes its service's outbox")


class MetricsMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware): it sits on the vote hot path, so it must stay cheap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], path, str(status["code"])).inc()
            HTTP_LATENCY.labels(path).observe(time.perf_counter() - start)


def install_metrics(app: FastAPI, route: bool = True) -> None:
    """Count every request; `route`: serve /metrics on the app itself."""
    app.add_middleware(MetricsMiddleware)
    if not route:
        return

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def serve_metrics(host: str, port: int) -> WSGIServer:
    """/metrics on a port of its own (prometheus_client's server, a daemon thread), for a scraper
    inside the network when the public app leaves it off. `.shutdown()` stops it."""
    server, _ = start_http_server(port, addr=host)
    return server
