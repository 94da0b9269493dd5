"""The proposal lists and title search, read from MongoDB in narrow index windows.

Every query is `{equality fields…, one range}` on a compound index that starts with exactly those
equality fields (SecantusDB serves one range per query, and scans the collection for `$or`,
`$all`, or filters no index starts with). A list filters on at most one indexed dimension in
the query — the most selective one asked for — and checks any other filter on the fetched
documents. See domain/listing.py for why the ranges are narrow windows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from proposal_svc.domain.admin_filters import AdminFilters
from proposal_svc.domain.listing import (
    DENSE_LEVEL,
    FIRST_COUNT_FLOOR,
    FIRST_WINDOW,
    FLOOR,
    Cursor,
    grow,
    window_target,
)
from proposal_svc.domain.search import SearchQuery

Doc = dict[str, Any]
Residual = Callable[[Doc], bool]

# Ascending although the lists read newest first: rows are sorted in the service, and SecantusDB
# drops the boundary value of an inclusive bound at the high end of a compound key ($gte on a
# descending field, $lte on an ascending one). The queries here use only $gte and $lt on
# ascending fields, which it answers exactly.
LATEST_KEYS = [("created_at", ASCENDING), ("_id", ASCENDING)]
POPULAR_KEYS = [("support_count", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]
# The dimensions a public list can be narrowed by in the query itself, most selective first.
DIMENSIONS = ("title_tokens", "hashtags", "district", "category", "agency", "stage")
# The admin console's status tabs, per agency.
ADMIN_PREFIX = [("status", ASCENDING), ("agency", ASCENDING)]
_HINTS_MAX = 2048
# A request stops reading once it fetched about WORK_BUDGET + WORK_PER_ITEM × (limit + 1)
# documents (a query counts as QUERY_COST): a filter the index cannot narrow, or a search word
# that is everywhere, answers a short page and a cursor to go on from, rather than holding the
# database (one lock for every client) for seconds.
WORK_BUDGET = 300
WORK_PER_ITEM = 3
QUERY_COST = 5


def index_keys() -> list[list[tuple[str, int]]]:
    """Every index the lists use: one per (dimension or none, sort order), plus the admin tabs."""
    keys: list[list[tuple[str, int]]] = []
    for dim in (None, *DIMENSIONS):
        prefix = [("browsable", ASCENDING)] + ([(dim, ASCENDING)] if dim else [])
        keys += [prefix + LATEST_KEYS, prefix + POPULAR_KEYS]
    keys += [ADMIN_PREFIX + LATEST_KEYS, ADMIN_PREFIX + POPULAR_KEYS]
    return keys


@dataclass(frozen=True)
class ListSpec:
    base: Doc  # the equality fields the query pins (an index starts with exactly these)
    sort: str
    limit: int
    after: Cursor | None = None
    residual: list[Residual] = field(default_factory=list)  # checked on fetched documents

    def keep(self, d: Doc) -> bool:
        return all(check(d) for check in self.residual)


def _field_check(name: str, value: str) -> Residual:
    if name == "hashtags":
        return lambda d: value in (d.get("hashtags") or [])
    return lambda d: d.get(name) == value


def public_spec(
    filters: dict[str, str], search: SearchQuery | None, sort: str, limit: int, after: Cursor | None
) -> ListSpec:
    """A browsable-items list: the most selective filter goes into the query, the rest are checked
    on what it fetches (and the whole search phrase on the title)."""
    wanted: dict[str, str] = dict(filters)
    if search is not None:
        wanted["title_tokens"] = search.primary
    primary = next((d for d in DIMENSIONS if d in wanted), None)
    base: Doc = {"browsable": True}
    residual: list[Residual] = []
    for name, value in wanted.items():
        if name == primary:
            base[name] = value
        elif name != "title_tokens":
            residual.append(_field_check(name, value))
    if search is not None:
        residual.append(lambda d: search.matches(d.get("title", "")))
    return ListSpec(base, sort, limit, after, residual)


def admin_spec(
    status: str,
    agency: str,
    filters: dict[str, str],
    search: SearchQuery | None,
    sort: str,
    limit: int,
    after: Cursor | None,
    narrowing: AdminFilters | None = None,
) -> ListSpec:
    """An admin status tab of one agency; other filters are checked on the fetched documents."""
    residual = [_field_check(k, v) for k, v in filters.items() if k != "agency"]
    if narrowing is not None:
        residual.append(narrowing.keeps)
    if search is not None:
        residual.append(lambda d: search.matches(d.get("title", "")))
    return ListSpec({"status": status, "agency": agency}, sort, limit, after, residual)


def _latest_key(d: Doc) -> tuple[Any, str]:
    return d["created_at"], d["_id"]


def _popular_key(d: Doc) -> tuple[int, Any, str]:
    return d.get("support_count", 0), d["created_at"], d["_id"]


def cursor_of(sort: str, d: Doc) -> Cursor:
    return Cursor(sort, d["created_at"], d["_id"], int(d.get("support_count", 0)))


@dataclass(frozen=True)
class Page:
    docs: list[Doc]  # up to limit + 1, in order
    # Where to go on when the request's work budget ran out before the page filled (the page
    # may then be short, even empty, and still have more after it).
    resume: Cursor | None = None


@dataclass
class _Scan:
    """One request's progress: what it found, what it cost, and where it stopped."""

    spec: ListSpec
    need: int
    out: list[Doc] = field(default_factory=list)
    cost: int = 0
    resume: Cursor | None = None

    @property
    def done(self) -> bool:
        return len(self.out) >= self.need or self.resume is not None

    def stop_if_spent(self, at: Cursor) -> bool:
        if self.cost >= WORK_BUDGET + WORK_PER_ITEM * self.need and len(self.out) < self.need:
            self.resume = at
        return self.resume is not None


class Listing:
    """Reads pages of a collection whose documents have created_at and _id (and support_count
    for the popular order)."""

    def __init__(self, coll: Any, now: Callable[[], datetime]) -> None:
        self.coll = coll
        self.now = now  # the platform clock (tests move it)
        # The last window width that worked per query shape: the next request starts there.
        self._hints: dict[str, float] = {}

    async def page(self, spec: ListSpec) -> Page:
        """Up to spec.limit + 1 documents in order (one more than a page: is there a next page?)."""
        scan = _Scan(spec, spec.limit + 1)
        a = spec.after
        if spec.sort == "popular":
            await self._popular(scan)
        else:
            if a is not None and a.id:
                await self._take(scan, {**spec.base, "created_at": a.created_at, "_id": {"$lt": a.id}}, _latest_key)
            await self._time_scan(scan, spec.base, a.created_at if a else None, lambda t: Cursor("latest", t, ""))
        docs = scan.out[: scan.need]
        return Page(docs, scan.resume if len(docs) < scan.need else None)

    async def _popular(self, scan: _Scan) -> None:
        base = scan.spec.base
        top: int | None = None  # supports still to read are below this (None: all of them)
        a = scan.spec.after
        if a is not None:
            level = {**base, "support_count": a.support_count}
            if a.id:
                await self._take(scan, {**level, "created_at": a.created_at, "_id": {"$lt": a.id}}, _latest_key)
            if a.support_count >= DENSE_LEVEL:
                # Few items share a count this high (they are read in ranges of counts): the rest
                # of this one in one query.
                await self._take(scan, {**level, "created_at": {"$lt": a.created_at}}, _latest_key)
            else:
                await self._time_scan(scan, level, a.created_at, _popular_at(a.support_count))
            top = a.support_count
        # Few items have many supports: read them in ranges of counts.
        width = FIRST_COUNT_FLOOR / 2
        fetched = matched = 0
        while not scan.done and (top is None or top > DENSE_LEVEL):
            if top is not None and scan.stop_if_spent(Cursor("popular", FLOOR, "", top)):
                return  # (every count ≥ top is done)
            if top is None:
                lo, rng = FIRST_COUNT_FLOOR, {"$gte": FIRST_COUNT_FLOOR}
            else:
                lo = max(DENSE_LEVEL, top - max(1, int(width)))
                rng = {"$gte": lo, "$lt": top}
            got, kept = await self._take(scan, {**base, "support_count": rng}, _popular_key)
            fetched, matched = fetched + got, matched + kept
            if top is not None:
                width = grow(width, got, window_target(scan.need - len(scan.out), fetched, matched))
            top = lo
        # Most items have few: each count on its own, newest first. One count holds no more items
        # than the whole list, so a window as wide as the list's first is the least worth asking.
        level_top = DENSE_LEVEL if top is None else min(top, DENSE_LEVEL)
        at_least = self._hints.get(_hint_key(base))
        for count in range(level_top - 1, -1, -1):
            if scan.done or scan.stop_if_spent(Cursor("popular", FLOOR, "", count + 1)):
                return
            await self._time_scan(scan, {**base, "support_count": count}, None, _popular_at(count), at_least)

    async def _time_scan(
        self,
        scan: _Scan,
        flt: Doc,
        hi: Any,
        resume: Callable[[datetime], Cursor],
        at_least: float | None = None,
    ) -> None:
        """Append flt's documents created before hi (any time when None), newest first."""
        hint = _hint_key(flt)
        width = self._hints.get(hint) or max(FIRST_WINDOW.total_seconds(), at_least or 0.0)
        learn = hi is None  # a first page teaches how wide a first window should be
        wanted = scan.need - len(scan.out)
        fetched = matched = 0
        now = self.now()
        while not scan.done and (hi is None or hi > FLOOR):
            if hi is not None and scan.stop_if_spent(resume(hi)):
                return
            top = hi or now
            # A window reaching past the floor covers everything left (and must not overflow a date).
            lo = FLOOR if width >= (top - FLOOR).total_seconds() else top - timedelta(seconds=width)
            rng = {"$gte": lo} if hi is None else {"$gte": lo, "$lt": hi}
            got, kept = await self._take(scan, {**flt, "created_at": rng}, _latest_key)
            if learn:
                self._learn(hint, grow(width, got, window_target(wanted, got, kept)), now)
                learn = False
            fetched, matched = fetched + got, matched + kept
            hi = lo
            width = grow(width, got, window_target(scan.need - len(scan.out), fetched, matched))

    def _learn(self, hint: str, width: float, now: datetime) -> None:
        if len(self._hints) >= _HINTS_MAX:
            self._hints.clear()
        self._hints[hint] = min(width, (now - FLOOR).total_seconds())

    async def _take(self, scan: _Scan, query: Doc, key: Callable[[Doc], Any]) -> tuple[int, int]:
        """Fetch one window, append what passes the residual filters in order; (fetched, kept)."""
        docs = await self.coll.find(query).to_list(None)
        docs.sort(key=key, reverse=True)
        kept = [d for d in docs if scan.spec.keep(d)]
        scan.out.extend(kept)
        scan.cost += len(docs) + QUERY_COST
        return len(docs), len(kept)


def _hint_key(flt: Doc) -> str:
    return repr(sorted(flt.items()))


def _popular_at(count: int) -> Callable[[datetime], Cursor]:
    """Resume inside one count of the popular order: below this time, then lower counts."""
    return lambda t: Cursor("popular", t, "", count)
