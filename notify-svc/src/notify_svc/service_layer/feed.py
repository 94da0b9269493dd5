"""The pull feed: public events after a cursor (a seq), read by bounded seq windows so a request
does bounded work however sparse the matching events are."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from notify_svc.adapters.public_events import PublicEventStore

SPAN = 2_000  # seqs per window
WINDOWS = 25  # windows per request: at most 50,000 seqs looked at


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]]
    cursor: int  # everything up to this seq was considered: the next request's cursor
    head: int

    def view(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "next_cursor": str(self.cursor),
            "head": self.head,
            "has_more": self.cursor < self.head,
        }


async def read(
    events: PublicEventStore, after: int, limit: int, agency: str | None, types: Collection[str] | None
) -> FeedPage:
    head = await events.head()
    items: list[dict[str, Any]] = []
    at = min(after, head)
    for _ in range(WINDOWS):
        if at >= head or len(items) >= limit:
            break
        upto = min(at + SPAN, head)
        want = limit - len(items)
        docs = await events.page(at, upto, want, agency=agency, types=types)
        items += [d["event"] for d in docs]
        at = int(docs[-1]["seq"]) if len(docs) == want else upto
    # A cursor beyond the head (from another deployment, say) stays where the client put it.
    return FeedPage(items, at if after <= head else after, head)
