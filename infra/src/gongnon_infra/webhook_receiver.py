"""A stand-in for agencies' webhook receivers, in a process of its own:
`python -m gongnon_infra.webhook_receiver --port P` (tests and `./dev bench webhooks`).

- `POST /hooks/{name}`: one receiver per name. Records what arrived (headers, body, arrival time on
  this machine's clock) and answers 204, or 500 while its mode is `fail`.
- `POST /_mode {"name": …, "mode": "ok" | "fail"}` (name `*`: every receiver).
- `GET /_received?name=…&bodies=1`: what each receiver got, in arrival order: `[webhook-id,
  arrival unix time, the event's recorded_at, status answered]`, plus headers and bodies when asked;
  `GET /_count`: how many each accepted.

It checks nothing itself: the caller verifies signatures with the secret it was shown."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

MODE: web.AppKey[dict[str, str]] = web.AppKey("mode", dict)
SEEN: web.AppKey[dict[str, list[list[Any]]]] = web.AppKey("seen", dict)
FULL: web.AppKey[dict[str, list[dict[str, Any]]]] = web.AppKey("full", dict)
KEEP_BODIES: web.AppKey[bool] = web.AppKey("keep_bodies", bool)
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent")


def _recorded_at(body: bytes) -> float | None:
    try:
        text = orjson.loads(body).get("recorded_at")
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None
    except (orjson.JSONDecodeError, AttributeError, ValueError):
        return None


async def hook(request: web.Request) -> web.Response:
    arrived = time.time()
    name = request.match_info["name"]
    body = await request.read()
    mode = request.app[MODE].get(name, request.app[MODE].get("*", "ok"))
    status = 500 if mode == "fail" else 204
    request.app[SEEN].setdefault(name, []).append(
        [request.headers.get("webhook-id"), arrived, _recorded_at(body), status]
    )
    if request.app[KEEP_BODIES]:
        request.app[FULL].setdefault(name, []).append(
            {
                "headers": {h: request.headers.get(h) for h in HEADERS},
                "body": body.decode("utf-8", "replace"),
                "status": status,
            }
        )
    return web.Response(status=status)


async def set_mode(request: web.Request) -> web.Response:
    spec = await request.json()
    name, mode = str(spec["name"]), str(spec["mode"])
    if name == "*":
        request.app[MODE].clear()
    request.app[MODE][name] = mode
    return web.json_response({"name": name, "mode": mode})


async def received(request: web.Request) -> web.Response:
    name = request.query.get("name")
    seen = request.app[SEEN]
    names = [name] if name else sorted(seen)
    out: dict[str, Any] = {n: {"deliveries": seen.get(n, [])} for n in names}
    if request.query.get("bodies"):
        for n in names:
            out[n]["full"] = request.app[FULL].get(n, [])
    return web.Response(body=orjson.dumps(out), content_type="application/json")


async def count(request: web.Request) -> web.Response:
    """How many deliveries each receiver accepted (cheap to poll)."""
    return web.json_response({n: sum(1 for d in seen if d[3] == 204) for n, seen in request.app[SEEN].items()})


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build(keep_bodies: bool = True) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[MODE] = {}
    app[SEEN] = {}
    app[FULL] = {}
    app[KEEP_BODIES] = keep_bodies
    app.router.add_post("/hooks/{name}", hook)
    app.router.add_post("/_mode", set_mode)
    app.router.add_get("/_received", received)
    app.router.add_get("/_count", count)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gongnon_infra.webhook_receiver")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-bodies", action="store_true", help="keep only ids and times (benchmarks)")
    args = parser.parse_args()
    web.run_app(build(keep_bodies=not args.no_bodies), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
