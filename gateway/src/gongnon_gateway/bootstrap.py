"""The gateway's one composition root: `build_app(settings) -> FastAPI`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gongnon_chassis.actor_tokens import ActorTokenSigner
from gongnon_chassis.clock import SystemClock
from gongnon_chassis.hot_routes import serve_first
from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_gateway.agency_closure import wire_agency_closure
from gongnon_gateway.api.api_key_deps import api_key_gate
from gongnon_gateway.api.committee_schemas import REPORT_BODY_LIMIT
from gongnon_gateway.api.routes import (
    admin,
    agencies,
    api_keys,
    auth,
    committee,
    community,
    decisions,
    deliberations,
    departments,
    feed,
    inbox,
    kafka_access,
    live,
    moderation,
    offline,
    open_data,
    ops,
    proposals,
    review,
    sessions,
    similar,
    subscriptions,
    votes,
)
from gongnon_gateway.console import agency_routes as console_agency
from gongnon_gateway.console import operator_routes as console_operator
from gongnon_gateway.console import staff_routes as console_staff
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.core.accounts import Accounts
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.core.api_key_auth import KeyAuthenticator, ReviewDepartments
from gongnon_gateway.core.api_key_store import ApiKeyStore
from gongnon_gateway.core.config import GatewaySettings
from gongnon_gateway.core.edges import DEFAULT_LIMIT, Edge
from gongnon_gateway.core.identity import build_identity_provider
from gongnon_gateway.core.kafka_access import KafkaAccess
from gongnon_gateway.core.key_limits import FLUSH_EVERY_S, KeyLimits
from gongnon_gateway.core.key_watch import CHECK_EVERY_S as KEY_CHECK_EVERY_S
from gongnon_gateway.core.key_watch import KeyWatch
from gongnon_gateway.core.limits import PeopleLimits
from gongnon_gateway.core.revocations import CATCH_UP_S as REVOCATIONS_CATCH_UP_S
from gongnon_gateway.core.revocations import SessionRevocations
from gongnon_gateway.core.security import TokenSigner
from gongnon_gateway.counters import ensure_collections, register_counters
from gongnon_gateway.i18n import LanguagePrefix
from gongnon_gateway.live_tally import TallyFeed
from gongnon_gateway.offline_ballots import MAX_BYTES
from gongnon_gateway.public_signal import PublicSignal
from gongnon_gateway.site.agency_site import AgencyHostHome
from gongnon_gateway.site.agency_site import router as agency_site_router
from gongnon_gateway.site.civic_routes import router as civic_site_router
from gongnon_gateway.site.community_routes import router as community_site_router
from gongnon_gateway.site.deliberation_routes import router as deliberation_site_router
from gongnon_gateway.site.department_routes import router as department_site_router
from gongnon_gateway.site.error_pages import install_error_pages
from gongnon_gateway.site.routes import router as site_router
from gongnon_gateway.support_relay import SupportRelay
from gongnon_gateway.upstream import Service, Upstream

DESCRIPTION = """Gongnon's public REST API. Authenticate with `POST /api/auth/login` and send
`Authorization: Bearer <token>`. Errors are always `{"error": {"code", "message", "details"}}`.
Events are described by the AsyncAPI document at `/asyncapi.json`."""


OFFLINE_FILE_LIMIT = MAX_BYTES + 64 * 1024  # the file and its multipart framing


def body_limit(path: str) -> int:
    """The largest request body a route takes: offline ballot files, execution reports with their
    attachments, else any JSON body or form."""
    if path.endswith("/offline-ballots"):
        return OFFLINE_FILE_LIMIT
    if path.endswith(("/execution/reports", "/execution/complete")):
        return REPORT_BODY_LIMIT
    return DEFAULT_LIMIT


def build_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    # Real keys or no start (outside development and test mode): ConfigurationError.
    session_secret, previous_secrets = settings.session_secrets()
    actor_key = settings.actor_key()
    rt = create_runtime(settings)
    identity = build_identity_provider(settings.identity_provider, settings.identity_secret, rt.clock, settings)
    accounts = Accounts(rt.store, identity, settings.default_agency)
    upstream = Upstream(
        {
            Service.PROPOSAL: settings.proposal_svc_url,
            Service.VOTING: settings.voting_svc_url,
            Service.REVIEW: settings.review_svc_url,
            Service.NOTIFY: settings.notify_svc_url,
        },
        timeout_s=settings.upstream_timeout_s,
        max_connections=settings.upstream_max_connections,
        actors=ActorTokenSigner(actor_key, rt.clock, settings.actor_token_ttl_s),
    )
    # Session expiry is real time, not the platform clock: moving the test clock forward by
    # weeks must not sign everybody out. Revocations are on the same clock as the tokens.
    session_ttl = timedelta(seconds=settings.token_ttl_s)
    session_clock = SystemClock()
    revocations = SessionRevocations(rt.store, rt.redis, session_clock, session_ttl)
    tokens = TokenSigner(
        session_secret,
        session_ttl,
        session_clock,
        previous=previous_secrets,
        is_revoked=revocations.is_revoked,
    )
    rt.every(REVOCATIONS_CATCH_UP_S, revocations.tick, "session-revocations")
    register_counters(rt)
    agency_registry = AgencyRegistry(rt.store, settings.default_agency)
    # Agency systems' API keys: records, rate limits and use (docs/federation.md).
    key_auth = KeyAuthenticator(
        ApiKeyStore(rt.store, rt.redis),
        KeyLimits(rt.store, rt.redis, rt.clock),
        accounts,
        ReviewDepartments(upstream),
        rt.clock,
    )
    rt.every(FLUSH_EVERY_S, key_auth.limits.flush, "api-key-usage-flush")
    # Event streams opened with a key end once it is revoked (core/key_watch.py).
    key_watch = KeyWatch(key_auth.keys.find, rt.clock)
    rt.every(KEY_CHECK_EVERY_S, key_watch.check, "api-key-stream-watch")
    agency_kafka = KafkaAccess.of(settings)
    # Closing an agency ends its keys (same transaction), its Kafka user and ACLs (its event).
    wire_agency_closure(rt, agency_registry, key_auth.keys, agency_kafka)

    # Live counts (server-sent events): this process's own Kafka reader of tally snapshots.
    tally_feed = TallyFeed(settings.kafka_bootstrap, f"{settings.service_name}-live-tally")
    # The feed's server-sent event streams wake on this process's own reader of gongnon.public.
    public_signal = PublicSignal(settings.kafka_bootstrap, f"{settings.service_name}-public-feed")

    async def open_streams(_: Runtime) -> None:
        await upstream.start()
        await revocations.ensure_indexes()
        await revocations.start()
        await tally_feed.start()
        await public_signal.start()

    async def close_streams(_: Runtime) -> None:
        await public_signal.stop()
        await tally_feed.stop()
        await revocations.stop()
        await upstream.close()

    async def prepare(_: Runtime) -> None:
        await accounts.ensure_indexes()
        await ensure_collections(rt.db)
        if settings.admin_email and settings.admin_password:
            await accounts.ensure_super_admin(settings.admin_email, settings.admin_password)
        await accounts.announce_earlier_accounts()
        await agency_registry.ensure_collections()
        await agency_registry.ensure_host_agency()
        await key_auth.keys.ensure_indexes()
        await key_auth.limits.ensure_indexes()

    # The vote path first: Starlette matches routes in order, and supports are most of the traffic.
    api = [votes.router, auth.router, sessions.router, admin.router, proposals.router, review.router, inbox.router]
    api += [offline.router, live.router]
    api.append(deliberations.router)
    api.append(decisions.router)
    api.append(committee.router)
    api.append(open_data.router)
    api += [community.router, moderation.router, similar.router]
    api += [agencies.router, departments.router]
    api += [subscriptions.router, feed.router]
    api.append(kafka_access.router)
    api.append(api_keys.router)
    if settings.test_mode:
        api.append(ops.test_router)
    # Every /api route: a request that carries an API key is checked, counted and limited as that
    # key's, also where the route needs no caller (api_key_deps.api_key_gate).
    gated = APIRouter(dependencies=[Depends(api_key_gate)])
    for r in api:
        gated.include_router(r)
    routers = [gated, ops.router]
    routers.append(site_router)
    routers.append(deliberation_site_router)
    routers.append(community_site_router)
    routers.append(department_site_router)
    routers.append(civic_site_router)
    routers.append(agency_site_router)
    routers.extend([console_operator.router, console_staff.router, console_agency.router])
    app = create_app(
        rt,
        routers,
        on_start=[open_streams, prepare],
        on_stop=[close_streams],
        title="Gongnon gateway",
        description=DESCRIPTION,
        verify_actors=False,  # it signs the actor; the services check it
        internals=settings.edge.public_internals,
        metrics_port=settings.edge.metrics_port,
    )
    serve_first(app, votes.SUPPORT_HOT_PATH, votes.support_hot, ["POST"])
    app.state.gateway = GatewayContext(
        settings=settings,
        runtime=rt,
        tokens=tokens,
        accounts=accounts,
        upstream=upstream,
        supports=SupportRelay(upstream),
        identity=identity,
        sessions=revocations,
    )
    app.state.tally_feed = tally_feed
    app.state.public_signal = public_signal
    app.state.agencies = agency_registry
    app.state.api_keys = key_auth
    app.state.kafka_access = agency_kafka
    app.state.key_watch = key_watch
    # People's rate limits (core/limits.py): login, registration, identity checks, items, comments, flags.
    app.state.people_limits = PeopleLimits(rt.redis, settings.db_name(), settings.edge)
    app.add_middleware(AgencyHostHome, registry=agency_registry)
    app.add_middleware(LanguagePrefix)  # /en/… is the English site: outside the agency-host home
    app.add_middleware(Edge, limit_for=body_limit)
    if proxies := settings.edge.trusted_proxy_list():
        # Outside the edge: the client address and scheme a trusted proxy reports are what the
        # edge (HSTS, Secure cookies) and the per-IP limits see; nobody else's X-Forwarded-* are.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    install_error_pages(app)

    return app
