"""A service refusing the gateway's own signature is the platform's fault (its keys do not match
the gateway's), not the caller's: the gateway answers 502, never a 401 that would send a citizen
to sign in again. Any other 401 a service gives passes through unchanged."""

from __future__ import annotations

import orjson
import pytest

from gongnon_gateway.upstream import Service, UpstreamFailed, UpstreamReply, vetted


def reply(status: int, code: str) -> UpstreamReply:
    body = orjson.dumps({"error": {"code": code, "message": "…", "details": None}})
    return UpstreamReply(Service.REVIEW, status, body, "application/json")


def test_a_refused_gateway_signature_is_a_502() -> None:
    with pytest.raises(UpstreamFailed) as info:
        vetted(reply(401, "actor_token_invalid"), "GET", "/cases")
    assert (info.value.status, info.value.code) == (502, "upstream_error")


def test_another_401_passes_through() -> None:
    passed = reply(401, "unauthorized")
    assert vetted(passed, "GET", "/cases") is passed
