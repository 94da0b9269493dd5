"""A hot route is served ahead of FastAPI for well-formed ids, falls through to the documented
FastAPI route (and its 422) for anything else, and stays in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Path, Request, Response

from gongnon_chassis.errors import Conflict, install_error_handlers
from gongnon_chassis.hot_routes import serve_first

served: list[str] = []


async def endpoint(request: Request) -> Response:
    item_id = request.path_params["item_id"]
    if item_id == "taken":
        raise Conflict("already voted", code="already_voted")
    return Response(item_id, status_code=201)


def app() -> FastAPI:
    a = FastAPI()
    install_error_handlers(a)

    @a.post("/items/{item_id}/support", status_code=201)
    async def documented(item_id: Annotated[str, Path(pattern=r"^[a-z]{1,8}$")], request: Request) -> Response:
        served.append("fastapi")
        return await endpoint(request)

    serve_first(a, "/items/{item_id:id}/support", endpoint, ["POST"])
    return a


async def test_hot_route_serves_valid_ids_and_falls_through_for_others() -> None:
    served.clear()
    a = app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(a), base_url="http://t") as c:
        r = await c.post("/items/abc/support")
        assert (r.status_code, r.text, served) == (201, "abc", [])  # not through FastAPI
        r = await c.post("/items/taken/support")
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "already_voted"  # the app's error handlers still apply
        r = await c.post("/items/a.b/support")  # not an id: FastAPI's validation answers
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"
        assert (await c.get("/items/abc/support")).status_code == 405
        paths = (await c.get("/openapi.json")).json()["paths"]
        assert "post" in paths["/items/{item_id}/support"]
