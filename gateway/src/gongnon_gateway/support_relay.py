"""공감 on its way to voting-svc: the supports that reach the gateway together travel together.

Under a burst most of the gateway's work is the one hop to voting-svc, and an HTTP exchange costs
both processes about as much as the vote itself. The supports arriving in one turn of the event
loop go as one `POST /supports` (gongnon_chassis.coalesce: a lone support waits for nothing but
the next loop turn; while batches are on their way, new supports gather for the next). Each
citizen still gets exactly the reply their own request would have had: voting-svc answers every
support of a batch separately, and a batch that fails as a whole fails each of its supports.

Who vouches for the citizens in a batch: the batch is sent as the gateway's relay (chassis
`RELAY`), signed like any caller, and voting-svc takes actors from a request's body only from that
verified caller (`RelayCaller`). Each support carrying its own signed token would cost a signature
here and a verification there per support (about 46 + 130 µs: 0.6 of a core, of two, at 3,600
supports/s), and neither could be cached: in a burst nearly every support is a different citizen.
The relay's one token is reused for minutes and verified once by voting-svc; a citizen's actor in
the body is the one this gateway has just authenticated from their session token."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from fastapi.responses import Response

from gongnon_chassis.actor import RELAY, Actor
from gongnon_chassis.coalesce import Coalescer
from gongnon_gateway.upstream import Service, Upstream, UpstreamReply, vetted

PATH = "/supports"
# voting-svc takes up to 512 per request; several batches may be on their way at once, so that
# the batch being gathered never waits for Kafka's acknowledgement of the one before.
MAX_BATCH = 256
MAX_IN_FLIGHT = 8


class SupportRelay:
    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._batches: Coalescer[tuple[str, Actor], UpstreamReply] = Coalescer(
            self._send, max_batch=MAX_BATCH, max_in_flight=MAX_IN_FLIGHT
        )

    async def reply(self, item_id: str, actor: Actor) -> UpstreamReply:
        """voting-svc's answer to this one support (as Upstream.request would give it)."""
        return vetted(await self._batches.submit((item_id, actor)), "POST", f"/items/{item_id}/support")

    async def support(self, item_id: str, actor: Actor) -> Response:
        return (await self.reply(item_id, actor)).to_response()

    async def _send(self, batch: Sequence[tuple[str, Actor]]) -> list[UpstreamReply]:
        body = {"supports": [{"item_id": item_id, "actor": actor.model_dump(mode="json")} for item_id, actor in batch]}
        reply = await self._upstream.request(Service.VOTING, "POST", PATH, actor=RELAY, json_body=body)
        if not reply.ok:
            return [reply] * len(batch)  # refused as a whole (e.g. 503 votes_recovering): so is each
        results = (reply.json() or {}).get("results")
        if not isinstance(results, list) or len(results) != len(batch):
            bad = UpstreamReply(Service.VOTING, 500, b"", "application/json")
            return [bad] * len(batch)
        return [
            UpstreamReply(Service.VOTING, int(r["status"]), orjson.dumps(r["body"]), "application/json")
            for r in results
        ]
