"""The public lists' order, cursors and how wide a slice of the index one query asks for. Pure.

Why slices: the database (SecantusDB) answers a find by fetching every document the index range
matches and only then sorting and cutting to the limit, so "the newest 20 of 100,000" costs
100,000 fetches. A list is therefore read as a series of narrow index ranges, newest first —
windows of creation time, or of support counts for the popular list — each wide enough to hold
about the number of documents still needed, judged from how full the previous window was."""

from __future__ import annotations

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
# The service seals these fields (gongnon_chassis.cursors: an HMAC, so clients cannot edit them)
# and still checks each one when a cursor comes back: what passes is a value the queries can use.

CURSOR_ID_MAX = 64
CURSOR_COUNT_MAX = 2**63 - 1  # a count MongoDB holds (support counts are far below)
CURSOR_LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # windows reach back from a cursor's time


@dataclass(frozen=True)
class Cursor:
    sort: str
    created_at: datetime
    id: str
    support_count: int = 0


class BadCursor(ValueError):
    pass


def cursor_fields(c: Cursor) -> dict[str, object]:
    raw: dict[str, object] = {"s": c.sort, "t": c.created_at.isoformat(), "id": c.id}
    if c.sort == "popular":
        raw["c"] = c.support_count
    return raw


def cursor_from_fields(raw: object, sort: str) -> Cursor:
    """The cursor the fields describe, checked field by field; BadCursor for anything else."""
    if not isinstance(raw, dict) or set(raw) - {"s", "t", "id", "c"}:
        raise BadCursor("not a cursor")
    if raw.get("s") != sort or sort not in SORTS:
        raise BadCursor("a cursor of another sort order")
    last_id, at_text, count = raw.get("id"), raw.get("t"), raw.get("c", 0)
    if not isinstance(last_id, str) or len(last_id) > CURSOR_ID_MAX:
        raise BadCursor("a cursor id is a short string")
    if not isinstance(at_text, str) or len(at_text) > 40:
        raise BadCursor("a cursor time is an ISO 8601 string")
    try:
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not FLOOR <= at <= CURSOR_LATEST:
            raise BadCursor("a cursor time with a zone, within the platform's lifetime")
    except (ValueError, OverflowError) as exc:
        raise BadCursor(str(exc)) from exc
    if sort == "popular" and "c" not in raw:
        raise BadCursor("a popular cursor holds a support count")
    if type(count) is not int or not 0 <= count <= CURSOR_COUNT_MAX:
        raise BadCursor("a cursor count is a whole number a database holds")
    return Cursor(sort, at.astimezone(UTC), last_id, count if sort == "popular" else 0)
