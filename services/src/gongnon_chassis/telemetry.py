"""OpenTelemetry: one tracer provider per process, W3C context carried in HTTP headers and in
every event envelope, so a trace follows a request from the gateway through Kafka."""

from __future__ import annotations

import os

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased

_configured = False


def setup_tracing(service: str) -> None:
    global _configured
    if _configured:
        return
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "")
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
