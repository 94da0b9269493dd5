"""Where the database's time goes during a phase of a bench: MongoDB's `top` command (SecantusDB
answers it too), per collection, microseconds spent and operations, before and after."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

Top = dict[str, tuple[int, int]]


async def top(client: AsyncMongoClient[dict[str, Any]]) -> Top:
    totals = (await client.admin.command("top"))["totals"]
    return {
        ns: (int(v["total"]["time"]), int(v["total"]["count"]))
        for ns, v in totals.items()
        if isinstance(v, dict) and "total" in v
    }


async def top_of(mongodb_uri: str) -> Top:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        return await top(client)
    finally:
        await client.close()


def top_diff(before: Top, after: Top, n: int = 12) -> dict[str, str]:
    """The busiest collections between the two readings."""
    d = {ns: (t - before.get(ns, (0, 0))[0], c - before.get(ns, (0, 0))[1]) for ns, (t, c) in after.items()}
    busiest = sorted(d.items(), key=lambda kv: -kv[1][0])[:n]
    return {ns: f"{t / 1e6:.1f}s in {c} ops" for ns, (t, c) in busiest if c}
