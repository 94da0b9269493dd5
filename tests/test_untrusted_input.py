"""Nothing a client sends becomes a server error (issue 18), across the five processes.

Both properties are driven by what the gateway's own OpenAPI document declares, so a route added
later is covered without editing this file: a *list* is any GET with a query parameter that is a
cursor (named `cursor`, or described as one); a *number* is any integer, number, date or date-time
field of a query or of a JSON body (nested objects, arrays and maps included).

1. Cursors are opaque and tamper-evident. A cursor the platform did not issue — random bytes or
   text, a real cursor with a field changed to NaN, ∞, 1e308, a negative or huge integer, a wrong
   type or a year-1 date, truncated, one character changed, another list's cursor, or the list's
   own format re-encoded by hand — answers 400 `invalid_cursor` to every caller who may read the
   list, and never a 5xx to anyone.
2. Every number is bounded where it enters. Extreme values (±2^63, 2^64, 10^30, 1e308, 1e999,
   NaN, ±∞, year 1 and year 9999, 5,000-digit integers) in every numeric field of every route,
   as every role (anonymous, citizen, officer, operator, agency admin, super admin), answer 2xx
   or 4xx, never 5xx. The roles that *may call* a route are those its realistic base request is
   not refused for (401/403); they get every extreme value, the others a sample.

Each test sweeps the fixed extremes first (deterministic), then lets hypothesis explore, and
prints how many requests it made and how many got a 5xx ("N requests, 0 × 5xx").

The rule sets changed here belong to an agency made for this run: Seoul's rules, which every other
test opens its items under, are never touched."""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongnon_infra.cluster import Cluster
from tests.support import PASSWORD, Gateway, User

T = TypeVar("T")
_RUN = os.urandom(3).hex()
CONCURRENCY = 8
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

# --- what goes wrong, counted ---------------------------------------------------------------


@dataclass
class Tally:
    what: str
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # answers other than the property demands

    def line(self) -> str:
        return f"{self.what}: {self.requests} requests, {len(self.server_errors)} × 5xx"

    def check(self) -> None:
        print(f"\n{self.line()}")
        problems = self.server_errors[:15] + self.wrong[:15]
        detail = f"{self.line()}, {len(self.wrong)} wrong:\n" + "\n".join(problems)
        assert not self.server_errors, detail
        assert not self.wrong, detail


@dataclass(frozen=True)
class Raw:
    """A JSON literal sent as written (1e999, NaN, a 5,000-digit integer): json.dumps cannot."""

    text: str


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any

    @property
    def code(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code"))
        return ""


def _dumps(body: Any) -> bytes:
    raws: dict[str, str] = {}

    def mark(value: Any) -> Any:
        if isinstance(value, Raw):
            key = f"__raw_{len(raws)}__"
            raws[key] = value.text
            return key
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(body), ensure_ascii=False)
    for key, literal in raws.items():
        text = text.replace(f'"{key}"', literal)
    return text.encode()


async def send(
    gw: Gateway,
    tally: Tally,
    method: str,
    path: str,
    token: str | None,
    params: dict[str, str] | None = None,
    body: Any = None,
) -> Reply:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = _dumps(body)
        headers["Content-Type"] = "application/json"
    async with gw.s.request(method, f"{gw.base}{path}", params=params, data=data, headers=headers) as r:
        # A stream (server-sent events) never ends: its status and headers are the answer to judge.
        streaming = r.content_type == "text/event-stream"
        text = "" if streaming else await r.text()
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    tally.requests += 1
    reply = Reply(r.status, parsed)
    if r.status >= 500:
        shown = _dumps(body).decode()[:300] if body is not None else ""
        tally.server_errors.append(f"{method} {path} {params or ''} {shown} → {r.status} {text[:300]}")
    return reply


# --- the platform as this module sees it: roles, a few items, the OpenAPI document ------------


@dataclass
class World:
    roles: dict[str, str | None]  # role → bearer token (None: anonymous)
    agency: str  # the agency this module may change the rules of
    vocab: dict[str, Any]  # realistic values by field or parameter name
    spec: dict[str, Any]


_world: list[World] = []


async def _staff(
    gw: Gateway, admin: User, role: str, *, department_id: str | None = None, agency: str | None = None
) -> User:
    email = f"u{_RUN}-{role}-{agency or department_id or 'x'}@test.local"
    body = {"email": email, "password": PASSWORD, "display_name": f"{role} 경계", "role": role}
    if department_id:
        body["department_id"] = department_id
    if agency:
        body["agency"] = agency
    await gw.ok("POST", "/api/admin/accounts", admin, body)
    return await gw.login(email)


async def world(gw: Gateway) -> World:
    if _world:
        return _world[0]
    agency = f"fuzz-{_RUN}"
    admin = await gw.admin()
    clock = await gw.ok("POST", "/api/_test/clock", admin, {"advance_s": 0})
    _platform_ahead[0] = max(timedelta(0), datetime.fromisoformat(clock["now"]) - datetime.now(UTC))
    citizen = await gw.citizen("경계시민")
    officer = await _staff(gw, admin, "officer", department_id="dept-welfare")
    # Staff accounts belong to a registered agency (POST /api/agencies, super admin).
    await gw.ok("POST", "/api/agencies", admin, {"id": agency, "name_ko": "경계기관", "name_en": "Fuzz agency"})
    operator = await _staff(gw, admin, "operator", agency=agency)
    agency_admin = await _staff(gw, admin, "agency_admin", agency=agency)
    # Enough items that every list this module can fill hands out a cursor at limit=1.
    proposals = [
        await gw.ok(
            "POST",
            "/api/proposals",
            citizen,
            {
                "title": f"경계값 시험 제안 {i} {_RUN}",
                "body": "목록 커서와 숫자 입력을 시험합니다.",
                "category": "welfare",
            },
        )
        for i in range(3)
    ]
    item = proposals[0]["id"]
    comments = [
        await gw.ok("POST", f"/api/proposals/{item}/comments", citizen, {"body": f"의견 {i}"}) for i in range(3)
    ]
    for i in range(2):
        await gw.ok("POST", "/api/consultations", officer, {**CONSULTATION, "title": f"경계값 시험 여론조사 {i}"})
    spec = await gw.ok("GET", "/openapi.json")
    vocab: dict[str, Any] = {
        "item_id": item,
        "proposal_id": item,
        "target_id": item,
        "target": item,
        "comment_id": comments[0]["id"],
        "case_id": "case-none",
        "notification_id": "n-none",
        "import_id": "0" * 64,
        "agency": agency,
        "name": "경계값",
        "phone": "010-0000-0000",
    }
    roles = {
        "anonymous": None,
        "citizen": citizen.token,
        "officer": officer.token,
        "operator": operator.token,
        "agency_admin": agency_admin.token,
        "super_admin": admin.token,
    }
    _world.append(World(roles, agency, vocab, spec))
    return _world[0]


CONSULTATION: dict[str, Any] = {
    "title": "경계값 시험 여론조사",
    "body": "숫자와 날짜의 경계를 시험하는 여론조사입니다. 의견을 들려주세요.",
    "category": "welfare",
    "vote_type": "multi",
    "options": [{"id": "a", "label": "가"}, {"id": "b", "label": "나"}, {"id": "c", "label": "다"}],
    "max_choices": 2,
    "days": 30,
}


# The platform clock runs ahead of the wall clock once other modules have moved it (test mode):
# "an hour from now" must be the platform's now, or a period would start in its past.
_platform_ahead = [timedelta(0)]


def _soon() -> str:
    return (datetime.now(UTC) + _platform_ahead[0] + timedelta(hours=1)).replace(microsecond=0).isoformat()


def examples(method: str, path: str, w: World) -> list[Any] | None:
    """Realistic bodies for the routes whose schema alone does not make a request the service
    accepts (a real preset, a rule set that passes its own checks, a real proposal): a number
    changed in one of these reaches the service's own checks and its database."""
    rules = [
        {
            "id": "answer",
            "metric": "supports",
            "threshold": 50,
            "window_days": 30,
            "action": "department_answer",
            "due_days": 20,
            "label": "50명 공감 시 부서 답변",
            "params": {"vote_open_days": 7},
        },
        {
            "id": "share",
            "metric": "supports",
            "threshold_ratio": 0.01,
            "window_days": 60,
            "action": "open_decision_vote",
        },
    ]
    decision = {
        "min_open_days": 7,
        "open_days": 14,
        "pass_ratio": 0.5,
        "krw_per_voter": 100_000,
        "quorum_min": 1_000,
        "quorum_max": 100_000,
    }
    table: dict[tuple[str, str], list[Any]] = {
        ("PUT", "/api/agencies/{agency}/ruleset"): [
            {"preset": "decide-madrid", "census": 2_700_000},
            {
                "name": "경계값 시험 규칙",
                "rules": rules,
                "census": 1_000_000,
                "close_after_days": 90,
                "decision_vote": decision,
            },
        ],
        ("POST", "/api/consultations"): [{**CONSULTATION, "opens_at": _soon(), "closes_at": None, "days": 30}],
        ("POST", "/api/debates"): [
            {
                "proposal_id": w.vocab["item_id"],
                "vote_type": "multi",
                "options": CONSULTATION["options"],
                "max_choices": 2,
                "opens_at": _soon(),
                "days": 30,
            }
        ],
    }
    found = table.get((method, path))
    if found is None:
        return None
    return [{k: v for k, v in b.items() if v is not None} for b in found]


# --- reading the OpenAPI document ------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    params: tuple[dict[str, Any], ...]
    body: dict[str, Any] | None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def query(self) -> list[dict[str, Any]]:
        return [p for p in self.params if p.get("in") == "query"]


def operations(spec: dict[str, Any]) -> list[Op]:
    ops = []
    for path, item in spec["paths"].items():
        if "/_test/" in path:  # the test clock would move time under every other test
            continue
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            ops.append(Op(method.upper(), path, tuple(op.get("parameters", [])), body))
    return ops


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind $ref, and the non-null branch of an Optional (anyOf [X, null])."""
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = spec["components"]["schemas"][name]
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            real = [b for b in branches if b.get("type") != "null"]
            if len(real) == 1:
                schema = real[0]
                continue
        return schema


def kind_of(spec: dict[str, Any], schema: dict[str, Any]) -> str | None:
    s = resolve(spec, schema)
    if s.get("type") in ("integer", "number"):
        return str(s["type"])
    if s.get("type") == "string" and s.get("format") in ("date", "date-time"):
        return str(s["format"])
    return None


Path = tuple[str | int, ...]


def numeric_leaves(
    spec: dict[str, Any], schema: dict[str, Any], value: Any, path: Path = ()
) -> Iterator[tuple[Path, str]]:
    """Every numeric field of a body schema, at the places the realistic body `value` has (each
    element of its arrays, each key of its maps), plus the object fields the body leaves out."""
    kind = kind_of(spec, schema)
    if kind is not None:
        yield path, kind
        return
    s = resolve(spec, schema)
    if s.get("type") == "object" or "properties" in s:
        present = value if isinstance(value, dict) else {}
        for name, sub in s.get("properties", {}).items():
            yield from numeric_leaves(spec, sub, present.get(name), (*path, name))
        extra = s.get("additionalProperties")
        if isinstance(extra, dict):
            for key in list(present)[:1] or ["x"]:
                yield from numeric_leaves(spec, extra, present.get(key), (*path, key))
    elif s.get("type") == "array" and isinstance(value, list):
        for i, element in enumerate(value):
            yield from numeric_leaves(spec, s.get("items", {}), element, (*path, i))


def minimal(spec: dict[str, Any], schema: dict[str, Any], name: str, vocab: dict[str, Any]) -> Any:
    """A small valid value for a schema without a realistic example."""
    s = resolve(spec, schema)
    if name in vocab:
        return vocab[name]
    if "enum" in s:
        return s["enum"][0]
    if s.get("default") is not None:
        return s["default"]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        required = set(s.get("required", []))
        return {k: minimal(spec, sub, k, vocab) for k, sub in s.get("properties", {}).items() if k in required}
    if kind == "array":
        return [minimal(spec, s.get("items", {}), name, vocab) for _ in range(s.get("minItems", 0))]
    if kind in ("integer", "number"):
        return max(1, s.get("minimum", 1))
    if kind == "boolean":
        return False
    if s.get("format") == "date-time":
        return _soon()
    if s.get("format") == "date":
        return "1990-05-17"
    text = "경계값 시험 " + name
    return text[: s.get("maxLength", len(text))]


def set_at(body: Any, path: Path, value: Any) -> Any:
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        if isinstance(step, str) and step not in node:
            node[step] = {}
        node = node[step]
    node[path[-1]] = value
    return out


# --- extreme values --------------------------------------------------------------------------

HUGE_DIGITS = "9" * 5000  # more digits than Python parses by default (4,300)
EXTREME_NUMBERS = [
    "0", "-1", "1", "2147483648", "9007199254740993", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "1000000000000000000000000000000", HUGE_DIGITS,
    "1e308", "-1e308", "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "5e-324", "0.5", "1.0",
    "true", '"1e30"', "null", "[]",
]  # fmt: skip
EXTREME_MOMENTS = [
    '"0001-01-01T00:00:00+14:00"', '"0001-01-01T00:00:00Z"', '"9999-12-31T23:59:59-14:00"',
    '"9999-12-31T23:59:59Z"', '"1970-01-01T00:00:00Z"', '"2262-04-12T00:00:00Z"', '"2999-01-01T00:00:00Z"',
    "-62135596800", "253402300799", "1e308", "NaN", "Infinity", "9223372036854775808",
]  # fmt: skip
EXTREME_DATES = ['"0001-01-01"', '"9999-12-31"', '"1899-12-31"', "1e308", "NaN", '"2999-02-28"']
SAMPLE_FOR_OTHERS = ["-1", "9223372036854775808", "1e999", "NaN", '"9999-12-31T23:59:59-14:00"']


def extremes(kind: str) -> list[str]:
    return {"date-time": EXTREME_MOMENTS, "date": EXTREME_DATES}.get(kind, EXTREME_NUMBERS)


def literals() -> st.SearchStrategy[str]:
    """Numbers hypothesis invents: any integer (beyond 64 bits too), any float, any timestamp."""
    floats = st.floats(allow_nan=True, allow_infinity=True).map(lambda f: json.dumps(f))
    return st.one_of(
        st.integers().map(str),
        st.integers(min_value=2**62, max_value=2**200).map(str),
        st.integers(min_value=-(2**200), max_value=-(2**62)).map(str),
        floats,
        st.datetimes(timezones=st.timezones()).map(lambda d: json.dumps(d.isoformat())),
        st.sampled_from(EXTREME_NUMBERS + EXTREME_MOMENTS + EXTREME_DATES),
    )


def query_value(literal: str) -> str:
    return literal[1:-1] if literal.startswith('"') else literal


# --- the numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    op: Op
    path_args: dict[str, str]
    where: str  # "query" or "body"
    field: Path
    kind: str
    base: Any  # the realistic body (None for a query target)

    @property
    def label(self) -> str:
        return f"{self.op.label} {self.where}:{'.'.join(map(str, self.field))}"

    def url(self) -> str:
        url = self.op.path
        for k, v in self.path_args.items():
            url = url.replace("{" + k + "}", v)
        return url

    def request(self, literal: str) -> tuple[dict[str, str] | None, Any]:
        if self.where == "query":
            return {str(self.field[0]): query_value(literal)}, self.base
        return None, set_at(self.base, self.field, Raw(literal))


def path_args(op: Op, w: World) -> dict[str, str]:
    out = {}
    for p in op.params:
        if p.get("in") == "path":
            s = resolve(w.spec, p.get("schema", {}))
            out[p["name"]] = str(w.vocab.get(p["name"]) or (s.get("enum") or ["x1"])[0])
    return out


def numeric_targets(w: World) -> list[Target]:
    targets = []
    for op in operations(w.spec):
        args = path_args(op, w)
        bodies: list[Any] = [None]
        if op.body is not None:
            bodies = examples(op.method, op.path, w) or [minimal(w.spec, op.body, "", w.vocab)]
        for p in op.query():
            kind = kind_of(w.spec, p.get("schema", {}))
            if kind is not None:
                targets.append(Target(op, args, "query", (p["name"],), kind, bodies[0]))
        if op.body is not None:
            for body in bodies:
                for leaf, kind in numeric_leaves(w.spec, op.body, body):
                    targets.append(Target(op, args, "body", leaf, kind, body))
    return targets


async def gather_limited(jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs))


async def test_no_number_a_client_sends_becomes_a_server_error(cluster: Cluster, gw: Gateway) -> None:
    w = await world(gw)
    tally = Tally("numbers")
    targets = numeric_targets(w)
    assert len({t.op.label for t in targets}) >= 8, [t.label for t in targets]
    assert any(t.field == ("census",) for t in targets)
    assert any("quorum_max" in t.field for t in targets)

    # Who may call each route: its realistic base request is not refused for their role.
    callers: dict[tuple[str, int], list[str]] = {}
    bases = {(t.op.label, id(t.base)): t for t in targets}
    for (label, key), t in bases.items():
        replies = await asyncio.gather(
            *(send(gw, tally, t.op.method, t.url(), tok, None, t.base) for tok in w.roles.values())
        )
        callers[(label, key)] = [r for r, rep in zip(w.roles, replies, strict=True) if rep.status not in (401, 403)]
        if t.base is not None:  # the base must pass validation, or the sweep proves nothing
            assert any(rep.status not in (401, 403, 422) for rep in replies), (
                label,
                t.base,
                [(rep.status, rep.body) for rep in replies],
            )

    jobs: list[Callable[[], Awaitable[Reply]]] = []
    for t in targets:
        may_call = callers[(t.op.label, id(t.base))]
        for role, token in w.roles.items():
            for literal in extremes(t.kind) if role in may_call else SAMPLE_FOR_OTHERS:
                params, body = t.request(literal)
                jobs.append(lambda t=t, token=token, params=params, body=body: send(
                    gw, tally, t.op.method, t.url(), token, params, body
                ))  # fmt: skip
    await gather_limited(jobs)

    loop = asyncio.get_running_loop()

    @SETTINGS
    @given(target=st.sampled_from(targets), role=st.sampled_from(sorted(w.roles)), literal=literals())
    def explore(target: Target, role: str, literal: str) -> None:
        params, body = target.request(literal)
        coro = send(gw, tally, target.op.method, target.url(), w.roles[role], params, body)
        reply = asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=120)
        assert reply.status < 500, (target.label, role, literal[:80], reply.status, reply.body)

    try:
        await loop.run_in_executor(None, explore)
    finally:
        tally.check()


# --- the cursors ------------------------------------------------------------------------------


def is_cursor(p: dict[str, Any]) -> bool:
    return p.get("in") == "query" and (p["name"] == "cursor" or "cursor" in str(p.get("description", "")).lower())


@dataclass(frozen=True)
class Listing:
    op: Op
    path: str
    fixed: tuple[tuple[str, str], ...]  # enum query parameters (sort=popular …): one listing each
    cursor_param: str
    max_length: int | None
    limit_param: str | None
    seq_cursor: bool = False  # marked x-cursor "seq" in the OpenAPI document: a public position

    @property
    def label(self) -> str:
        return f"GET {self.path}?{'&'.join(f'{k}={v}' for k, v in self.fixed)}"


def listings(w: World) -> list[Listing]:
    out = []
    for op in operations(w.spec):
        cursor = next((p for p in op.query() if is_cursor(p)), None)
        if op.method != "GET" or cursor is None:
            continue
        url = op.path
        for k, v in path_args(op, w).items():
            url = url.replace("{" + k + "}", v)
        enums = []
        for p in op.query():
            s = resolve(w.spec, p.get("schema", {}))
            if "enum" in s:
                enums.append([(p["name"], str(v)) for v in s["enum"]])
        limit = next((p["name"] for p in op.query() if p["name"] == "limit"), None)
        max_length = resolve(w.spec, cursor.get("schema", {})).get("maxLength")
        seq_cursor = cursor.get("schema", {}).get("x-cursor") == "seq"
        for combo in itertools.product(*enums):
            out.append(Listing(op, url, tuple(combo), cursor["name"], max_length, limit, seq_cursor))
    return out


@dataclass
class Cursors:
    readers: dict[str, list[str]]  # listing label → roles the list answers 200
    issued: dict[str, list[str]]  # listing label → real cursors it handed out


async def collect(gw: Gateway, w: World, tally: Tally, lists: list[Listing]) -> Cursors:
    got = Cursors({}, {})
    for listing in lists:
        params = dict(listing.fixed) | ({listing.limit_param: "1"} if listing.limit_param else {})
        got.readers[listing.label], got.issued[listing.label] = [], []
        for role, token in w.roles.items():
            reply = await send(gw, tally, "GET", listing.path, token, params)
            if reply.status != 200:
                continue
            got.readers[listing.label].append(role)
            nxt = reply.body.get("next_cursor") if isinstance(reply.body, dict) else None
            if isinstance(nxt, str) and nxt not in got.issued[listing.label]:
                got.issued[listing.label].append(nxt)
                follow = await send(gw, tally, "GET", listing.path, token, params | {listing.cursor_param: nxt})
                assert follow.status == 200, (listing.label, role, "the list's own cursor", follow)
    return got


def unpadded_b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def json_prefix(cursor: str) -> tuple[dict[str, Any], bytes] | None:
    """A cursor that is base64url of a JSON object (and maybe more bytes after it, a signature):
    (the object, the rest)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        obj, end = json.JSONDecoder().raw_decode(raw.decode("latin-1"))
    except ValueError:
        return None
    return (obj, raw[end:]) if isinstance(obj, dict) else None


FIELD_VALUES: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, -1, 0, 2**63, -(2**63) - 1, 2**64, 10**30,
    "", "x", "NaN", "Infinity", None, True, [], {}, 1.5, "9" * 400,
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2025-01-01T00:00:00", "latest", "popular",
]  # fmt: skip


def edited(cursor: str, key: str, value: Any) -> str | None:
    found = json_prefix(cursor)
    if found is None:
        return None
    obj, rest = found
    return unpadded_b64(json.dumps({**obj, key: value}, separators=(",", ":")).encode() + rest)


def handmade(listing: Listing, key: str, value: Any) -> str:
    """The list's cursor format, re-encoded by hand: what an attacker who read one would send."""
    sort = dict(listing.fixed).get("sort", "latest")
    fields: dict[str, Any] = {"s": sort, "t": "2025-01-01T00:00:00+00:00", "id": "p_forged", "c": 3}
    return unpadded_b64(json.dumps({**fields, key: value}, separators=(",", ":")).encode())


def fixed_forgeries(listing: Listing, real: list[str], others: list[str]) -> list[str]:
    out: list[str] = []
    for value in FIELD_VALUES:
        for key in ("s", "t", "id", "c"):
            out.append(handmade(listing, key, value))
        for cursor in real:
            obj = (json_prefix(cursor) or ({}, b""))[0]
            for key in [*obj, "c"]:
                forged = edited(cursor, key, value)
                if forged:
                    out.append(forged)
    for cursor in real:
        out += [cursor[: len(cursor) // 2], cursor[:-1], cursor + "A", cursor[::-1], cursor.upper()]
        out += [
            cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :]
            for i in (0, len(cursor) // 2, len(cursor) - 1)
        ]
    out += others
    out += ["", " ", "%", "null", "0", "-1", "1e308", "NaN", "cs_forged", "case_forged", "p_forged", "\u0000", "가나다"]
    out += [unpadded_b64(os.urandom(n)) for n in (1, 16, 48, 120)]
    return out


def forgeries(listing: Listing, real: list[str], others: list[str]) -> st.SearchStrategy[str]:
    strategies: list[st.SearchStrategy[str]] = [
        st.binary(max_size=200).map(unpadded_b64),
        st.text(max_size=120),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=80),
        st.builds(handmade, st.just(listing), st.sampled_from(["s", "t", "id", "c"]), st.sampled_from(FIELD_VALUES)),
        st.builds(handmade, st.just(listing), st.just("c"), st.integers() | st.floats()),
    ]
    if others:
        strategies.append(st.sampled_from(others))
    if real:
        cursors = st.sampled_from(real)
        strategies += [
            st.builds(lambda c, v: edited(c, "c", v) or c[:-1], cursors, st.integers() | st.floats()),
            st.builds(lambda c, v: edited(c, "t", v) or c[1:], cursors, st.sampled_from(FIELD_VALUES) | st.text()),
            st.builds(lambda c, n: c[: n % max(1, len(c))], cursors, st.integers(0, 400)),
            st.builds(lambda c, i, ch: c[: i % len(c)] + ch + c[i % len(c) + 1 :], cursors, st.integers(0, 400),
                      st.sampled_from("AQgw_-09z")),
        ]  # fmt: skip
    return st.one_of(strategies)


async def test_a_cursor_the_platform_did_not_issue_is_refused(cluster: Cluster, gw: Gateway) -> None:
    w = await world(gw)
    tally = Tally("cursors")
    lists = listings(w)
    paths = {x.op.path for x in lists}
    assert {"/api/proposals", "/api/proposals/{item_id}/comments", "/api/review/cases"} <= paths, paths
    got = await collect(gw, w, tally, lists)
    for label in ("GET /api/proposals?sort=latest", "GET /api/proposals?sort=popular"):
        assert got.issued[label], (label, "no real cursor to tamper with")
    every_real = {c for cs in got.issued.values() for c in cs}
    print(f"\n{len(lists)} lists; real cursors to edit from {[k for k, v in got.issued.items() if v]}")

    def expect(listing: Listing, role: str, forged: str, reply: Reply) -> None:
        if reply.status >= 500:
            return  # counted by send()
        if forged in got.issued[listing.label] or forged == "":
            return  # a real cursor of this very list, or none at all (an empty one is the first page)
        too_long = listing.max_length is not None and len(forged) > listing.max_length
        if role not in got.readers[listing.label]:
            ok = 400 <= reply.status < 500
        elif listing.seq_cursor and forged.isascii() and forged.isdigit() and int(forged) <= 2**53 and not too_long:
            ok = reply.status == 200  # a seq cursor names a position: any seq is one (replay)
        elif too_long:
            ok = reply.status == 422
        else:
            ok = reply.status == 400 and reply.code == "invalid_cursor"
        if not ok:
            tally.wrong.append(f"{listing.label} as {role}: {forged[:100]!r} → {reply.status} {str(reply.body)[:200]}")

    async def attempt(listing: Listing, role: str, forged: str) -> None:
        params = dict(listing.fixed) | {listing.cursor_param: forged}
        expect(listing, role, forged, await send(gw, tally, "GET", listing.path, w.roles[role], params))

    jobs: list[Callable[[], Awaitable[None]]] = []
    for listing in lists:
        real = got.issued[listing.label]
        others = sorted(every_real - set(real))
        readers = got.readers[listing.label] or ["anonymous"]
        for forged in fixed_forgeries(listing, real, others):
            for role in {readers[0], readers[-1], "anonymous"}:
                jobs.append(lambda listing=listing, role=role, forged=forged: attempt(listing, role, forged))
    await gather_limited(jobs)

    loop = asyncio.get_running_loop()

    @SETTINGS
    @given(data=st.data())
    def explore(data: st.DataObject) -> None:
        listing = data.draw(st.sampled_from(lists))
        role = data.draw(st.sampled_from(sorted(w.roles)))
        real = got.issued[listing.label]
        forged = data.draw(forgeries(listing, real, sorted(every_real - set(real))))
        asyncio.run_coroutine_threadsafe(attempt(listing, role, forged), loop).result(timeout=120)

    try:
        await loop.run_in_executor(None, explore)
    finally:
        tally.check()
