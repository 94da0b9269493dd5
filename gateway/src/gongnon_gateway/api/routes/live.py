"""Live tallies over server-sent events: `GET /api/proposals/{id}/tally/stream`.

The stream opens with a snapshot (voting-svc's current tally), then sends every newer snapshot
from Kafka as `event: tally` with `id: <seq>`, and a comment line as a heartbeat when nothing
happened for HEARTBEAT_S, so proxies keep the connection and a dead browser is noticed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gongnon_chassis.errors import Unavailable
from gongnon_gateway.api.api_key_deps import key_of_request
from gongnon_gateway.api.deps import ItemIdPath, UpstreamDep
from gongnon_gateway.api.responses import EVENT_STREAM
from gongnon_gateway.api.routes.feed import KEY_ENDED
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.key_watch import KeyWatch, first_of
from gongnon_gateway.live_tally import TallyFeed, TooManyWatchers, Watcher, public_tally
from gongnon_gateway.upstream import Service

router = APIRouter(tags=["votes"], responses=ERROR_RESPONSES)

HEARTBEAT_S = 15.0
RETRY_MS = 3000  # how long a browser waits before reconnecting after the stream broke


def sse_event(snapshot: dict[str, Any]) -> bytes:
    return b"event: tally\nid: %d\ndata: %s\n\n" % (snapshot["seq"], orjson.dumps(snapshot))


async def _stream(
    feed: TallyFeed, watcher: Watcher, first: dict[str, Any], key: tuple[KeyWatch, str, asyncio.Event] | None = None
) -> AsyncIterator[bytes]:
    ended = key[2] if key is not None else None
    try:
        yield b"retry: %d\n\n" % RETRY_MS + sse_event(first)
        last_seq = first["seq"]
        while True:
            snapshot = await first_of(watcher.next(HEARTBEAT_S), ended)
            if ended is not None and ended.is_set():
                yield KEY_ENDED  # opened with an API key that was revoked since
                return
            if snapshot is None:
                yield b": keep-alive\n\n"
            elif snapshot["seq"] > last_seq:
                last_seq = snapshot["seq"]
                yield sse_event(snapshot)
    finally:
        # Runs when the browser goes away (the response task is cancelled) or the server stops.
        feed.unwatch(watcher)
        if key is not None:
            key[0].unwatch(key[1], key[2])


@router.get(
    "/api/proposals/{item_id}/tally/stream",
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
)
async def tally_stream(item_id: ItemIdPath, request: Request, up: UpstreamDep) -> Response:
    """The item's tally as it changes (text/event-stream): `event: tally`, `data: {item_id, kind,
    total, counts, seq, as_of}`; first the current snapshot, then each newer one."""
    feed: TallyFeed = request.app.state.tally_feed
    try:
        # Watch before reading the snapshot: a change landing in between is not missed.
        watcher = feed.watch(item_id)
    except TooManyWatchers as exc:
        raise Unavailable("too many live viewers on this server; reload later", code="too_many_watchers") from exc
    try:
        reply = await up.request(Service.VOTING, "GET", f"/items/{item_id}/tally")
    except BaseException:
        feed.unwatch(watcher)
        raise
    if not reply.ok or not isinstance(reply.json(), dict):
        feed.unwatch(watcher)
        return reply.to_response()
    # Opened with an API key (checked by the /api gate): it ends soon after the key's revocation.
    keys: KeyWatch | None = getattr(request.app.state, "key_watch", None)
    by_key = key_of_request(request)
    key = None
    if keys is not None and by_key is not None and by_key.key_id:
        key = (keys, by_key.key_id, keys.watch(by_key.key_id))
    return StreamingResponse(
        _stream(feed, watcher, public_tally(reply.json()), key),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
