"""The pull feed of public events for agencies behind firewalls (docs/federation.md):
`GET /api/feed` by cursor, and `GET /api/feed/stream` as server-sent events that resume from
`Last-Event-ID`. The cursor is a public event's `seq`: everything after it is returned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden, Invalid, InvalidCursor, Unavailable
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.webhooks import SEQ_MAX, public_types
from gongnon_gateway.api.deps import CurrentAccount, UpstreamDep
from gongnon_gateway.api.responses import EVENT_STREAM, FeedPageOut
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.key_watch import KeyWatch, first_of
from gongnon_gateway.public_signal import PublicSignal, TooManyStreams
from gongnon_gateway.upstream import Service, Upstream, UpstreamProblem

router = APIRouter(tags=["federation"], responses=ERROR_RESPONSES)

HEARTBEAT_S = 15.0
RETRY_MS = 3000
STREAM_PAGE = 200
FEED_SCOPES = frozenset({"subscriptions", "read"})

Scope = Literal["own", "all"]
Types = Annotated[
    str | None, Query(max_length=500, description="Comma-separated public event types, e.g. item.submitted")
]


def require_feed(actor: Actor) -> None:
    """Agency staff and agency systems with the `read` or `subscriptions` scope (notify-svc checks again)."""
    if actor.role in (ActorRole.SUPER_ADMIN, ActorRole.AGENCY_ADMIN, ActorRole.OPERATOR):
        return
    if actor.role == ActorRole.AGENCY_SYSTEM and FEED_SCOPES & set(actor.scopes):
        return
    raise Forbidden("the feed is for agency staff and agency systems (scope 'read' or 'subscriptions')")


SeqCursor = Annotated[
    str | None,
    # x-cursor "seq": not opaque; every seq is a position a client may name (replay from any point).
    Query(
        max_length=20,
        description="The seq of the last public event you have (0: from the start)",
        json_schema_extra={"x-cursor": "seq"},
    ),
]


def seq_cursor(text: str | None, default: int | None) -> int | None:
    """The feed's cursor is a public event's seq: decimal digits within range, else 400 like any
    other list's cursor the platform did not issue."""
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or int(text) > SEQ_MAX:
        raise InvalidCursor("the feed's cursor is the seq of a public event (0 … 2^53)")
    return int(text)


def checked_types(types: str | None) -> str | None:
    try:
        names = public_types([t.strip() for t in (types or "").split(",") if t.strip()])
    except ValueError as exc:
        raise Invalid(str(exc), code="unknown_event_type") from exc
    return ",".join(names) or None


@router.get("/api/feed", response_model=FeedPageOut)
async def feed(
    me: CurrentAccount,
    up: UpstreamDep,
    cursor: SeqCursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    types: Types = None,
    scope: Scope = "own",
) -> Response:
    """{items: [PublicEvent], next_cursor, head, has_more}: public events after `cursor` in seq
    order (own: the caller's agency's items; all: every public item)."""
    require_feed(me)
    after = seq_cursor(cursor, 0)
    params = {"after": after, "limit": limit, "types": checked_types(types), "scope": scope}
    return await up.forward(Service.NOTIFY, "GET", "/public-events", actor=me, params=params)


def sse(event: dict[str, Any]) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event["seq"], event["type"].encode(), orjson.dumps(event))


KEY_ENDED = b'event: error\ndata: {"code": "api_key_revoked"}\n\n'


async def _stream(
    signal: PublicSignal,
    up: Upstream,
    me: Actor,
    cursor: int,
    types: str | None,
    scope: str,
    watch: tuple[KeyWatch, asyncio.Event] | None = None,
) -> AsyncIterator[bytes]:
    ended = watch[1] if watch is not None else None
    try:
        yield b"retry: %d\n\n" % RETRY_MS
        while True:
            if ended is not None and ended.is_set():
                # The key it was opened with was revoked (or its agency closed): the stream ends.
                yield KEY_ENDED
                return
            params = {"after": cursor, "limit": STREAM_PAGE, "types": types, "scope": scope}
            try:
                reply = await up.request(Service.NOTIFY, "GET", "/public-events", actor=me, params=params)
            except UpstreamProblem:
                reply = None
            body = reply.json() if reply is not None and reply.ok else None
            if not isinstance(body, dict):
                # The browser or agent reconnects after `retry` with its Last-Event-ID.
                yield b'event: error\ndata: {"code": "feed_unavailable"}\n\n'
                return
            for event in body["items"]:
                yield sse(event)
            cursor = int(body["next_cursor"])
            if body.get("has_more"):
                continue
            more = await first_of(signal.wait_beyond(cursor, HEARTBEAT_S), ended)
            if more is False:
                yield b": keep-alive\n\n"
    finally:
        signal.close_stream()
        if watch is not None:
            watch[0].unwatch(me.key_id or "", watch[1])


@router.get(
    "/api/feed/stream",
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
)
async def feed_stream(
    request: Request,
    me: CurrentAccount,
    up: UpstreamDep,
    cursor: SeqCursor = None,
    types: Types = None,
    scope: Scope = "own",
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> Response:
    """The feed as server-sent events: `id: <seq>`, `event: <type>`, `data: <PublicEvent>`; after a
    break, reconnect with `Last-Event-ID` (browsers do it themselves) and nothing is missed. Without
    either, the stream starts at the newest event (from now on). A stream opened with an API key
    ends with `event: error` (`api_key_revoked`) within about a second of the key's revocation."""
    require_feed(me)
    wanted = checked_types(types)
    start = seq_cursor(cursor, None)
    if start is None:
        start = seq_cursor(last_event_id, None)  # the browser's resume point
    if start is None:  # from now on: the current head
        head = await up.request(
            Service.NOTIFY, "GET", "/public-events", actor=me, params={"limit": 1, "after": SEQ_MAX}
        )
        start = int((head.json() or {}).get("head", 0)) if head.ok else 0
    signal: PublicSignal = request.app.state.public_signal
    try:
        signal.open_stream()
    except TooManyStreams as exc:
        raise Unavailable("too many feed streams on this server; retry later", code="too_many_streams") from exc
    # Opened with an API key: the stream ends (event `error`, code api_key_revoked) soon after the
    # key is revoked or its agency closed.
    keys: KeyWatch | None = getattr(request.app.state, "key_watch", None)
    watch = (keys, keys.watch(me.key_id)) if keys is not None and me.key_id else None
    return StreamingResponse(
        _stream(signal, up, me, start, wanted, scope, watch),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
