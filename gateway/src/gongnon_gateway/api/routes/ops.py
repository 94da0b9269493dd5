"""The AsyncAPI document agencies read, and the test-mode clock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from gongnon_chassis.clock import CLOCK_KEY, ShiftedClock, set_test_offset
from gongnon_chassis.errors import Unavailable
from gongnon_contracts.asyncapi import build_asyncapi
from gongnon_gateway.api.deps import ContextDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES, ClockAdvanceIn, ClockOut
from gongnon_gateway.upstream import Service, UpstreamProblem

router = APIRouter(tags=["ops"])


@router.get("/asyncapi.json")
async def asyncapi(
    public_only: bool = Query(True, description="Only the events agencies may subscribe to"),
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the platform's events, generated from the contracts."""
    return build_asyncapi(public_only=public_only)


# Mounted only when GONGNON_TEST_MODE is on (see bootstrap).
test_router = APIRouter(tags=["test"], responses=ERROR_RESPONSES)


@test_router.post("/api/_test/clock", response_model=ClockOut)
async def advance_clock(body: ClockAdvanceIn, ctx: ContextDep) -> ClockOut:
    """Move the platform clock forward in every process: the offset lives in Redis; each
    service is also told to re-read it now, so the caller need not wait for the pub/sub."""
    rt = ctx.runtime
    raw = await rt.redis.get(CLOCK_KEY)
    offset = (float(raw) if raw else 0.0) + body.advance_s
    await set_test_offset(rt.redis, offset)
    refreshed: dict[str, str] = {}
    for service in Service:
        try:
            reply = await ctx.upstream.request(service, "POST", "/_test/clock/refresh")
            refreshed[service.value] = "ok" if reply.ok else f"status {reply.status}"
        except UpstreamProblem as exc:
            refreshed[service.value] = exc.code
    if isinstance(rt.clock, ShiftedClock):
        await rt.clock.refresh()
    refreshed["gateway"] = "ok"
    stale = {name: how for name, how in refreshed.items() if how != "ok"}
    if stale:
        # A service left on the old offset stamps its writes with another time than the rest (a
        # vote cast "after" a rule's window closed): the caller must know, and can ask again with
        # advance_s 0 until every service has re-read the offset.
        raise Unavailable(
            "the offset is set, but not every service re-read it", code="clock_not_refreshed", details=refreshed
        )
    return ClockOut(offset_s=offset, now=rt.clock.now(), refreshed=refreshed)
