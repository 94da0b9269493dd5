"""OpenAPI links (https://spec.openapis.org/oas/v3.1.0#link-object): from an answer that creates
something to the routes that take its id. Clients read them as documentation; a test tool follows
them to chain calls (create, then read, change, delete what it made)."""

from __future__ import annotations

from typing import Any

ID = "$response.body#/id"
SAME_AGENCY = "$request.path.agency"  # the agency the creating request named


def link(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """A link to the operation `method path`, its path parameters taken from the answer (`ID`) or
    from the request (`$request.path.agency`)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def links(status: int, **named: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that adds the named links to the answer with this status."""
    return {status: {"links": named}}
