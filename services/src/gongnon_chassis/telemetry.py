"""OpenTelemetry: one tracer provider per process, W3C context carried in HTTP headers and in
every event envelope, so a trace follows a request from the gateway through Kafka."""

from __future__ import annotations

import os
import random

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from starlette.types import ASGIApp, Receive, Scope, Send

_configured = False
_TRACE_HEADERS = (b"traceparent", b"tracestate")


def exporting() -> bool:
    """Whether spans are exported (and so worth recording) in this process."""
    return bool(os.environ.get("OTEL_TRACES_EXPORTER", "")) and os.environ["OTEL_TRACES_EXPORTER"] != "none"


def setup_tracing(service: str) -> None:
    global _configured
    if _configured:
        return
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "") if exporting() else ""
    # Recording spans that nobody exports is pure cost on the vote path: without an exporter the
    # context still propagates (trace ids flow through HTTP and Kafka) but nothing is recorded.
    # With one, a share of new traces is sampled and callers' sampling decisions are followed.
    ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "0.1")) if exporter else 0.0
    sampler = ParentBased(TraceIdRatioBased(ratio)) if ratio > 0 else ParentBased(ALWAYS_OFF)
    provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler)
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    _configured = True


def current_trace_context() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def attach_trace_context(carrier: dict[str, str]) -> object:
    return context.attach(propagate.extract(carrier))


def detach(token: object) -> None:
    context.detach(token)  # type: ignore[arg-type]


class TraceContext:
    """Pure ASGI middleware used when nothing is exported: continues the caller's trace (or starts
    one) as a non-recording span, so trace ids still flow into logs, upstream calls and events,
    at a fraction of the cost of FastAPI's own request telemetry (which then stays off)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _TRACE_HEADERS}
        ctx = propagate.extract(carrier) if carrier else context.Context()
        parent = trace.get_current_span(ctx).get_span_context()
        if parent.is_valid:
            trace_id, flags = parent.trace_id, parent.trace_flags
        else:
            trace_id, flags = random.getrandbits(128) or 1, TraceFlags(TraceFlags.DEFAULT)
        span = NonRecordingSpan(SpanContext(trace_id, random.getrandbits(64) or 1, is_remote=False, trace_flags=flags))
        token = context.attach(trace.set_span_in_context(span, ctx))
        try:
            await self.app(scope, receive, send)
        finally:
            context.detach(token)
