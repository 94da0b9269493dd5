"""The one composition root shared by every service: connections, broker, outbox relay,
background tasks, and the FastAPI app with health, readiness, metrics and error handling."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from gongnon_chassis.actor_tokens import ActorTokenVerifier
from gongnon_chassis.clock import Clock, ShiftedClock, SystemClock
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.cursors import CursorSigner
from gongnon_chassis.errors import install_error_handlers
from gongnon_chassis.kafka import Producer, TopicLayout, ensure_topics, make_broker
from gongnon_chassis.logs import setup_logging
from gongnon_chassis.metrics import install_metrics, serve_metrics
from gongnon_chassis.outbox import OutboxRelay
from gongnon_chassis.settings import ConfigurationError, ServiceSettings
from gongnon_chassis.store import Store
from gongnon_chassis.telemetry import TraceContext, exporting, setup_tracing

log = logging.getLogger(__name__)
GC_THRESHOLDS = (10_000, 10, 10)  # see settle_heap

Hook = Callable[["Runtime"], Awaitable[None]]


class Runtime:
    def __init__(self, settings: ServiceSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.redis: Redis = Redis.from_url(settings.redis_url, decode_responses=True)
        # The platform clock: given (a test pins time), movable across processes in test mode, or
        # the system's.
        self.clock: Clock = clock or (ShiftedClock(self.redis) if settings.test_mode else SystemClock())
        self.mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongodb_uri, tz_aware=True, serverSelectionTimeoutMS=10000
        )
        self.store = Store(self.mongo, settings.db_name(), self.clock, settings.service_name)
        self.broker = make_broker(settings.kafka_bootstrap, settings.service_name)
        self.producer = Producer(
            settings.kafka_bootstrap,
            settings.service_name,
            linger_ms=settings.kafka_producer_linger_ms,
            max_batch_size=settings.kafka_producer_max_batch_bytes,
            request_timeout_ms=settings.kafka_producer_request_timeout_ms,
        )
        self.relay = OutboxRelay(self.store, self.producer, settings.outbox_poll_s)
        self.consumers: list[EventConsumer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._periodic: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._cursors: CursorSigner | None = None
        self._actor_tokens: ActorTokenVerifier | None = None
        self.ready = False

    @property
    def db(self) -> Any:
        return self.store.db

    @property
    def cursors(self) -> CursorSigner:
        """Seals and opens the list cursors this service hands out (made on first use)."""
        if self._cursors is None:
            self._cursors = CursorSigner.for_service(self.settings)
        return self._cursors

    @property
    def actor_tokens(self) -> ActorTokenVerifier:
        """Checks the actor the gateway signed (made on first use; ConfigurationError without keys)."""
        if self._actor_tokens is None:
            self._actor_tokens = ActorTokenVerifier.for_service(self.settings, self.clock)
        return self._actor_tokens

    def consumer(
        self,
        name: str,
        batch_size: int = 1,
        only_from: str | None = None,
        serial: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    ) -> EventConsumer:
        group = f"{self.settings.service_name}.{name}"
        c = EventConsumer(group, self.store, self.settings.consumer_batch(group, batch_size), only_from, serial)
        self.consumers.append(c)
        return c

    def every(self, seconds: float, fn: Callable[[], Awaitable[Any]], name: str) -> None:
        """Run fn periodically in the background (deadline scans, tally flushes)."""

        async def loop() -> None:
            while True:
                try:
                    await fn()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("periodic task %s failed", name, exc_info=True)
                await asyncio.sleep(seconds)

        self._periodic.append(loop)

    async def start(self, on_start: list[Hook], on_started: list[Hook] | None = None) -> None:
        """on_start hooks run before anything consumes or publishes (indexes, reference data);
        on_started hooks once the producer, relay and consumers run (workers that publish)."""
        await ensure_topics(self.settings.kafka_bootstrap, layout=TopicLayout.from_settings(self.settings))
        await self.store.ensure_indexes()
        if isinstance(self.clock, ShiftedClock):
            await self.clock.start()
        for hook in on_start:
            await hook(self)
        await self.producer.start()
        await self.relay.start()
        for c in self.consumers:
            c.attach(self.broker)
        await self.broker.start()
        for loop in self._periodic:
            self._tasks.append(asyncio.create_task(loop()))
        for hook in on_started or []:
            await hook(self)
        settle_heap()
        self.ready = True

    async def stop(self, on_stop: list[Hook] | None = None) -> None:
        """on_stop hooks run first, in reverse order, while the connections are still open."""
        self.ready = False
        for hook in reversed(on_stop or []):
            try:
                await hook(self)
            except Exception:
                log.warning("a stop hook failed", exc_info=True)
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        with contextlib.suppress(Exception):
            await self.broker.stop()
        await self.relay.stop()
        with contextlib.suppress(Exception):
            await self.producer.stop()
        if isinstance(self.clock, ShiftedClock):
            await self.clock.stop()
        await self.mongo.close()
        await self.redis.aclose()

    async def check_ready(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await self.mongo.admin.command("ping")
            checks["mongodb"] = "ok"
        except Exception as exc:
            checks["mongodb"] = f"down: {type(exc).__name__}"
        try:
            await self.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
        checks["kafka"] = "ok" if self.producer.started else "down"
        checks["started"] = "ok" if self.ready else "starting"
        return checks


def settle_heap() -> None:
    """Once started: take what start-up allocated (modules, models, routes) out of the cyclic
    collector's reach, so the collections that load triggers do not walk it again and again,
    and collect young objects every 10,000 allocations rather than 700 (request garbage is
    nearly all freed by reference counting: most of those collections found nothing). The older
    generations keep their ratios, so a garbage cycle (an abandoned coroutine still holding a
    database session, say) is still gone within a second or two under load."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_runtime(settings: ServiceSettings, clock: Clock | None = None) -> Runtime:
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name)
    return Runtime(settings, clock)


def create_app(
    rt: Runtime,
    routers: list[APIRouter],
    on_start: list[Hook] | None = None,
    title: str | None = None,
    description: str = "",
    *,
    on_started: list[Hook] | None = None,
    on_stop: list[Hook] | None = None,
    verify_actors: bool = True,
    internals: bool = True,
    metrics_port: int = 0,
) -> FastAPI:
    """The service's app. Start-up: on_start hooks, then the runtime's parts, then on_started
    hooks; shutdown: on_stop hooks (reversed), then the runtime's parts. A service checks the
    actor the gateway signs (its keys are read here: it refuses to be built without them); the
    gateway, which signs, passes verify_actors=False. `internals=False` leaves the docs, the
    OpenAPI document and /metrics off this app (404); `metrics_port` (else GONGNON_METRICS_PORT) serves
    /metrics on a port of its own."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # First: a port already taken stops the start before anything runs.
        port = metrics_port or rt.settings.metrics_port
        metrics_server = serve_metrics(rt.settings.host, port) if port else None
        await rt.start(on_start or [], on_started)
        log.info("%s ready on %s:%s", rt.settings.service_name, rt.settings.host, rt.settings.port)
        try:
            yield
        finally:
            if metrics_server is not None:
                await asyncio.to_thread(metrics_server.shutdown)  # waits for its loop's next poll
                metrics_server.server_close()
            await rt.stop(on_stop)

    recording = exporting()
    app = FastAPI(
        title=title or rt.settings.service_name,
        description=description,
        lifespan=lifespan,
        docs_url="/docs" if internals else None,
        redoc_url="/redoc" if internals else None,
        openapi_url="/openapi.json" if internals else None,
        # FastAPI's own request spans only when they are exported; otherwise TraceContext below
        # keeps trace ids flowing for a fraction of the cost (it is on the vote path).
        telemetry={"tracing": recording, "operation_spans": recording, "metrics": False, "logs": False},
    )
    if not recording:
        app.add_middleware(TraceContext)
    app.state.runtime = rt
    if verify_actors:
        app.state.actor_tokens = rt.actor_tokens
    install_error_handlers(app)
    install_metrics(app, route=internals)

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": rt.settings.service_name}

    @app.get("/ready", tags=["ops"])
    async def ready() -> JSONResponse:
        checks = await rt.check_ready()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    if rt.settings.test_mode:

        @app.post("/_test/clock/refresh", tags=["test"])
        async def refresh_clock() -> dict[str, Any]:
            offset = await rt.clock.refresh() if isinstance(rt.clock, ShiftedClock) else 0.0
            return {"offset_s": offset, "now": rt.clock.now().isoformat()}

        @app.post("/_test/outbox/drain", tags=["test"])
        async def drain() -> dict[str, int]:
            return {"published": await rt.relay.drain_once()}

    for r in routers:
        app.include_router(r)
    return app


S = TypeVar("S", bound=ServiceSettings)


def run(build_app: Callable[[S], FastAPI], settings_type: type[S], service_name: str) -> None:
    """`python -m <service>`: its typed settings from the environment (SERVICE_NAME defaults to
    the service's own name), its app, served until SIGTERM or Ctrl-C."""
    settings = settings_type(SERVICE_NAME=os.environ.get("SERVICE_NAME") or service_name)
    try:
        app = build_app(settings)
    except ConfigurationError as exc:  # one clear line, not a traceback: what to set
        raise SystemExit(f"{settings.service_name} refuses to start: {exc}") from None
    serve(app, settings)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        # X-Forwarded-* are believed only where a setting says so (the gateway's
        # GONGNON_TRUSTED_PROXIES), not by uvicorn's default for any peer on 127.0.0.1.
        proxy_headers=False,
    )
