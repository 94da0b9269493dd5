"""A service's URL may name several instances (the scale-out on loopback; docs/capacity.md): the
gateway takes turns among them, and one that refuses the connection — stopped, or not started yet —
is passed over for the next, whatever the method, since nothing reached it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from gongnon_chassis.actor_tokens import ActorTokenSigner, development_key
from gongnon_chassis.clock import SystemClock
from gongnon_gateway.upstream import Service, Upstream, UpstreamUnavailable
from gongnon_infra.procs import free_port


async def _instance(name: str, seen: list[str]) -> AsyncIterator[str]:
    async def supports(request: web.Request) -> web.Response:
        seen.append(name)
        return web.json_response({"by": name}, status=201)

    app = web.Application()
    app.router.add_post("/supports", supports)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def two() -> AsyncIterator[tuple[list[str], str, str]]:
    seen: list[str] = []
    a_gen, b_gen = _instance("a", seen), _instance("b", seen)
    a, b = await anext(a_gen), await anext(b_gen)
    yield seen, a, b
    for gen in (a_gen, b_gen):
        await gen.aclose()


async def _upstream(urls: str) -> Upstream:
    signer = ActorTokenSigner(development_key(), SystemClock())
    up = Upstream({Service.VOTING: urls}, timeout_s=5, max_connections=8, actors=signer)
    await up.start()
    return up


async def test_requests_take_turns_among_the_instances(two: tuple[list[str], str, str]) -> None:
    seen, a, b = two
    up = await _upstream(f"{a},{b}")
    try:
        for _ in range(6):
            assert (await up.request(Service.VOTING, "POST", "/supports", json_body={})).status == 201
    finally:
        await up.close()
    assert sorted(seen) == ["a", "a", "a", "b", "b", "b"]


async def test_an_instance_that_refuses_the_connection_is_passed_over(two: tuple[list[str], str, str]) -> None:
    seen, a, _ = two
    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    up = await _upstream(f"{gone},{a}")
    try:
        for _ in range(4):  # a POST too: refused before anything was sent
            assert (await up.request(Service.VOTING, "POST", "/supports", json_body={})).status == 201
    finally:
        await up.close()
    assert seen == ["a"] * 4


async def test_no_instance_answering_is_503(two: tuple[list[str], str, str]) -> None:
    up = await _upstream(f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(UpstreamUnavailable):
            await up.request(Service.VOTING, "POST", "/supports", json_body={})
    finally:
        await up.close()
