"""The OpenAPI document describes every `/api` answer: each operation declares its 2xx body (a
schema, with an example; an event stream its media type; a 204 nothing) and the error shapes."""

from __future__ import annotations

from typing import Any

import pytest

from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.bootstrap import build_app
from gongnon_gateway.core.config import GatewaySettings


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    app = build_app(GatewaySettings(GONGNON_TEST_MODE=True, GATEWAY_SECRET="openapi-test"))
    document: dict[str, Any] = app.openapi()
    return document


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        if path.startswith("/api")
        for method, op in ops.items()
    ]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    found: dict[str, Any] = doc["components"]["schemas"][name]
    return found


def test_every_api_operation_declares_its_success_body(openapi: dict[str, Any]) -> None:
    missing, without_example = [], []
    operations = _operations(openapi)
    assert len(operations) > 80
    for method, path, op in operations:
        ok = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not ok:
            missing.append(f"{method} {path}: no 2xx")
            continue
        for code, response in ok.items():
            if code == "204":
                assert not response.get("content"), f"{method} {path}: a 204 has no body"
                continue
            content = response.get("content") or {}
            schemas = [c.get("schema") for c in content.values()]
            if not schemas or not all(schemas):
                missing.append(f"{method} {path} {code}")
                continue
            if "application/json" in content:
                schema = _resolve(openapi, content["application/json"]["schema"])
                if not (schema.get("properties") or schema.get("items") or schema.get("anyOf")):
                    missing.append(f"{method} {path} {code}: an empty schema")
                if not (schema.get("examples") or content["application/json"].get("example")):
                    without_example.append(f"{method} {path}")
    assert not missing, "\n".join(missing)
    assert not without_example, "\n".join(without_example)


def test_every_api_operation_declares_the_error_shape(openapi: dict[str, Any]) -> None:
    for method, path, op in _operations(openapi):
        declared = {int(c) for c in op["responses"] if c.isdigit()}
        assert {int(c) for c in ERROR_RESPONSES} <= declared, f"{method} {path}"


def test_agency_systems_have_their_security_schemes(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": schemes["APIKeyHeader"]["description"],
    }
    assert "HTTPBearer" in schemes
