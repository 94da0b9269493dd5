"""Every number a request model accepts fits the store (issue 18), checked on the models themselves:
the request models of the gateway's API, of each service's HTTP entrypoints (also the routes
only the gateway calls, which test_untrusted_input.py cannot reach directly) and the contracts
used as request bodies — found by scanning those modules, so a new model is covered too.

Property: for every integer, number, date and date-time field (nested, in arrays and maps), an
extreme value either fails validation (the route's 422) or, once validated, encodes to BSON and to
orjson (64-bit integers), and a moment is one the platform can compute with (2000..2100). (A plain
date — a birth date — is never stored: the identity provider checks it.) No I/O: a few seconds."""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from datetime import date, datetime
from types import ModuleType
from typing import Any

import bson
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gongnon_contracts.bounds import EARLIEST, LATEST

PACKAGES = ["gongnon_gateway.api", "proposal_svc.entrypoints", "voting_svc.entrypoints", "review_svc.entrypoints"]
PACKAGES += ["notify_svc.entrypoints"]
EXTRA_MODULES = ["gongnon_contracts.rulesets"]

# Realistic bases where a model's own checks need more than its schema says (by module.Class).
OPTIONS = [{"id": "a", "label": "가"}, {"id": "b", "label": "나"}, {"id": "c", "label": "다"}]
BASES: dict[str, dict[str, Any]] = {
    "gongnon_contracts.rulesets.RuleIn": {"id": "a", "metric": "supports", "threshold": 5, "action": "make_public"},
    "gongnon_gateway.api.schemas.VerifyIn": {"name": "홍길동", "birth_date": "1990-01-01", "phone": "010-1234-5678"},
    "gongnon_gateway.api.deliberation_schemas.ConsultationIn": {
        "title": "제목", "body": "본문", "category": "welfare", "vote_type": "multi", "options": OPTIONS,
        "max_choices": 2, "opens_at": "2030-01-01T00:00:00Z", "days": 30,
    },
    "proposal_svc.entrypoints.deliberations_http.ConsultationIn": {
        "title": "여론조사 제목", "body": "여론조사 본문입니다. 의견을 주세요.", "category": "welfare",
        "vote_type": "multi", "options": OPTIONS, "max_choices": 2, "opens_at": "2030-01-01T00:00:00Z", "days": 30,
    },
    "proposal_svc.entrypoints.deliberations_http.BallotIn": {
        "vote_type": "multi", "options": OPTIONS, "max_choices": 2, "opens_at": "2030-01-01T00:00:00Z", "days": 30,
    },
    "gongnon_contracts.rulesets.RuleSetChoice": {
        "name": "규칙",
        "census": 1_000_000,
        "close_after_days": 30,
        "rules": [
            {"id": "a", "metric": "supports", "threshold": 5, "window_days": 3, "action": "department_answer",
             "due_days": 20, "params": {"vote_open_days": 7}},
            {"id": "b", "metric": "supports", "threshold_ratio": 0.01, "action": "open_decision_vote"},
        ],
        "decision_vote": {"min_open_days": 7, "open_days": 7, "pass_ratio": 0.5, "krw_per_voter": 100_000,
                          "quorum_min": 1, "quorum_max": 100},
    },
    "voting_svc.entrypoints.http.BallotIn": {
        "kind": "decision", "budget_krw": 1_000_000, "opens_at": "2030-01-01T00:00:00Z",
        "closes_at": "2030-02-01T00:00:00Z",
    },
}  # fmt: skip


def _modules(name: str) -> list[ModuleType]:
    module = importlib.import_module(name)
    found = [module]
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{name}."):
        found.append(importlib.import_module(info.name))
    return found


def request_models() -> list[type[BaseModel]]:
    models: dict[str, type[BaseModel]] = {}
    for name in PACKAGES + EXTRA_MODULES:
        for module in _modules(name):
            for obj in vars(module).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, BaseModel)
                    and obj.__module__ == module.__name__
                    and (obj.__name__.endswith("In") or obj.__name__.endswith("Choice"))
                ):
                    models[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [models[k] for k in sorted(models)]


MODELS = request_models()


def _resolve(defs: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
            continue
        real = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
        if len(real) == 1:
            schema = real[0]
            continue
        return schema


def _minimal(defs: dict[str, Any], schema: dict[str, Any]) -> Any:
    s = _resolve(defs, schema)
    if "enum" in s:
        return s["enum"][0]
    if "const" in s:
        return s["const"]
    if s.get("default") is not None:
        return s["default"]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        return {k: _minimal(defs, v) for k, v in s.get("properties", {}).items() if k in s.get("required", [])}
    if kind == "array":
        return [_minimal(defs, s.get("items", {})) for _ in range(s.get("minItems", 0))]
    if kind in ("integer", "number"):
        return max(1, s.get("minimum", 1))
    if kind == "boolean":
        return False
    if s.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    if s.get("format") == "date":
        return "1990-01-01"
    if "pattern" in s:
        return "0" * 64 if "0-9a-f" in s["pattern"] else "abc"
    return "가나다"[: s.get("maxLength", 3)] * max(1, s.get("minLength", 1))


Leaf = tuple[tuple[str | int, ...], str]


def _leaves(defs: dict[str, Any], schema: dict[str, Any], value: Any, path: tuple[str | int, ...] = ()) -> list[Leaf]:
    s = _resolve(defs, schema)
    if s.get("type") in ("integer", "number"):
        return [(path, s["type"])]
    if s.get("type") == "string" and s.get("format") in ("date", "date-time"):
        return [(path, s["format"])]
    out: list[Leaf] = []
    if s.get("type") == "object" or "properties" in s:
        present = value if isinstance(value, dict) else {}
        for k, sub in s.get("properties", {}).items():
            out += _leaves(defs, sub, present.get(k), (*path, k))
        if isinstance(s.get("additionalProperties"), dict):
            key = next(iter(present), "x")
            out += _leaves(defs, s["additionalProperties"], present.get(key), (*path, key))
    elif s.get("type") == "array" and isinstance(value, list):
        for i, element in enumerate(value):
            out += _leaves(defs, s.get("items", {}), element, (*path, i))
    return out


def _complete(defs: dict[str, Any], schema: dict[str, Any], value: Any) -> Any:
    """The base with one minimal element in each empty or absent list of objects (so their
    numbers are reached too)."""
    s = _resolve(defs, schema)
    if isinstance(value, dict) and (s.get("type") == "object" or "properties" in s):
        out = dict(value)
        for k, sub in s.get("properties", {}).items():
            inner = _resolve(defs, sub)
            if inner.get("type") == "array" and not out.get(k):
                item = _resolve(defs, inner.get("items", {}))
                if item.get("type") == "object" or "properties" in item:
                    out[k] = [_minimal(defs, item)]
            if k in out:
                out[k] = _complete(defs, sub, out[k])
        return out
    if isinstance(value, list):
        return [_complete(defs, s.get("items", {}), v) for v in value]
    return value


def cases() -> list[tuple[type[BaseModel], Any, Leaf]]:
    out = []
    for model in MODELS:
        schema = model.model_json_schema()
        defs = schema.get("$defs", {})
        given = BASES.get(f"{model.__module__}.{model.__qualname__}")
        base = _complete(defs, schema, given or _minimal(defs, schema))
        for leaf in _leaves(defs, schema, base):
            out.append((model, base, leaf))
    return out


CASES = cases()
EXTREMES = [
    "-1", "0", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "1000000000000000000000000000000", "1e308", "-1e308", "1e999", "NaN",
    "Infinity", "-Infinity", "5e-324", "0.5", '"0001-01-01T00:00:00+14:00"', '"9999-12-31T23:59:59-14:00"',
    '"9999-12-31"', '"0001-01-01"', "253402300799", "-62135596800",
]  # fmt: skip


def _set(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        if isinstance(step, str) and step not in node:
            node[step] = {}
        node = node[step]
    node[path[-1]] = value
    return out


def _datetimes(value: Any) -> list[datetime | date]:
    if isinstance(value, datetime | date):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _datetimes(v)]
    if isinstance(value, list | tuple):
        return [d for v in value for d in _datetimes(v)]
    return []


def _storable(value: Any) -> Any:
    """A plain date as the datetime a service would store (BSON has no date type)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def fits(model: type[BaseModel], body: Any) -> str | None:
    """None when the body is refused or fits; else what does not fit."""
    try:
        m = model.model_validate(body)
    except ValidationError:
        return None
    try:
        bson.encode({"doc": _storable(m.model_dump())})
        orjson.dumps(m.model_dump(mode="json"))
    except (OverflowError, TypeError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    for d in _datetimes(m.model_dump()):
        if isinstance(d, datetime) and not EARLIEST <= d <= LATEST:
            return f"a moment out of range: {d!r}"
    return None


def test_the_scan_finds_the_request_models() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"RuleSetChoice", "RuleIn", "DecisionVoteIn", "BallotIn", "ConsultationIn", "OfflineBatchIn"} <= names
    assert len(CASES) > 30


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_every_extreme_number_is_refused_or_fits(model: type[BaseModel]) -> None:
    problems = []
    for m, base, (path, _) in CASES:
        if m is not model:
            continue
        for literal in EXTREMES:
            try:
                value = json.loads(literal)
            except ValueError:
                continue
            problem = fits(model, _set(base, path, value))
            if problem:
                problems.append(f"{'.'.join(map(str, path))} = {literal}: {problem}")
    assert not problems, "\n".join(problems[:20])


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    case=st.sampled_from(CASES),
    value=st.one_of(
        st.integers(),
        st.integers(min_value=2**60, max_value=2**130),
        st.floats(),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.isoformat()),
    ),
)
def test_any_number_is_refused_or_fits(case: tuple[type[BaseModel], Any, Leaf], value: Any) -> None:
    model, base, (path, _) = case
    problem = fits(model, _set(base, path, value))
    assert problem is None, (model.__name__, path, value, problem)
