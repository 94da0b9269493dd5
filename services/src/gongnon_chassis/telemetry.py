"""OpenTelemetry: one tracer provider per process, W3C context carried in HTTP headers and in
every event envelope, so a trace follows a request from the gateway through Kafka."""

from __future__ import annotations

import os

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_configured = False


def setup_tracing(service: str) -> None:
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    # Export only when asked; an OTLP collector is wired in deployment through this env var.
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
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
