"""The naive design the vote benchmark compares against: every vote is a unique insert plus one
MongoDB $inc on the item's row, answered only after both; no Redis, no Kafka, no batching.
Authentication is the same signed token the gateway uses, so only the counting differs."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.clock import SystemClock
from gongnon_gateway.core.security import TokenError, TokenSigner

signer = TokenSigner(os.environ["GATEWAY_SECRET"].encode(), timedelta(hours=2), SystemClock())
client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(os.environ["MONGODB_URI"])
db = client["bench_naive"]
app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/items/{item_id}/support")
async def support(item_id: str, authorization: str = Header("")) -> JSONResponse:
    try:
        actor = signer.verify(authorization.removeprefix("Bearer "))
    except TokenError:
        return JSONResponse({"error": {"code": "unauthorized"}}, status_code=401)
    try:
        await db.votes.insert_one({"_id": f"{item_id}:{actor.citizen_key}"})
    except DuplicateKeyError:
        return JSONResponse({"error": {"code": "already_voted"}}, status_code=409)
    await db.items.update_one({"_id": item_id}, {"$inc": {"supports": 1}}, upsert=True)
    return JSONResponse({"item_id": item_id, "counted": True}, status_code=201)
