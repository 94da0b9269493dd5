"""The public lists' order, cursors and how wide a slice of the index one query asks for. Pure.

Why slices: the database (SecantusDB) answers a find by fetching every document the index range
matches and only then sorting and cutting to the limit, so "the newest 20 of 100,000" costs
100,000 fetches. A list is therefore read as a series of narrow index ranges, newest first —
windows of creation time, or of support counts for the popular list — each wide enough to hold
about the number of documents still needed, judged from how full the previous window was."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SORTS = ("latest", "popular")

# Nothing on the platform is older than this: a scan that reaches it has seen everything.
FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
FIRST_WINDOW = timedelta(hours=6)
MAX_GROWTH = 4.0
EMPTY_GROWTH = 8.0  # an empty window says little about how far the next item is: jump further
# Aim each window at this many fetched documents: enough for a page, little wasted.
WINDOW_DOCS_MIN, WINDOW_DOCS_MAX = 25, 200

# The popular list reads supports ≥ DENSE_LEVEL in ranges of counts (few items there), and each
# count below it (where most items are) in windows of time.
DENSE_LEVEL = 16
FIRST_COUNT_FLOOR = 1024


def window_target(need_left: int, fetched: int, matched: int) -> float:
    """How many documents the next window should fetch: what is still needed, scaled by the share
    of fetched documents that matched the filters checked after the fetch."""
    rate = (matched + 1) / (fetched + 1) if fetched else 1.0
    return min(WINDOW_DOCS_MAX, max(WINDOW_DOCS_MIN, need_left / rate * 1.25))


def grow(width: float, fetched: int, target: float) -> float:
    """The next window's width from the last one's: wider when it held too few, narrower when
    it held many more than the target."""
    if fetched == 0:
        return width * EMPTY_GROWTH
    return width * min(MAX_GROWTH, max(1 / MAX_GROWTH, target / fetched))


# --- cursors: the sort key of the last item shown, opaque to clients ---


@dataclass(frozen=True)
class Cursor:
    sort: str
    created_at: datetime
    id: str
    support_count: int = 0


def encode_cursor(c: Cursor) -> str:
    raw: dict[str, object] = {"s": c.sort, "t": c.created_at.isoformat(), "id": c.id}
    if c.sort == "popular":
        raw["c"] = c.support_count
    return base64.urlsafe_b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode().rstrip("=")


class BadCursor(ValueError):
    pass


def decode_cursor(text: str, sort: str) -> Cursor:
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if raw["s"] != sort or not isinstance(raw["id"], str):
            raise ValueError("a cursor of another sort order")
        at = datetime.fromisoformat(raw["t"])
        if at.tzinfo is None:
            raise ValueError("a cursor time without a zone")
        count = int(raw["c"]) if sort == "popular" else 0
        if count < 0:
            raise ValueError("a negative count")
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise BadCursor(str(exc)) from exc
    return Cursor(sort, at, raw["id"], count)
