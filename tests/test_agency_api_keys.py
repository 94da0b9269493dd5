"""An agency system's API key end to end, across the real services: the key files a proposal for
one of the agency's verified citizens (proposal-svc sees that citizen, with the key's id), reads
it back, comments for the citizen, reaches review-svc as one of the agency's departments, never
votes, and stops at once when revoked; its use is counted."""

from __future__ import annotations

import os
from typing import Any

from tests.support import Gateway

RUN = os.urandom(3).hex()


async def _call(gw: Gateway, method: str, path: str, key: str, json: Any = None, **headers: str) -> tuple[int, Any]:
    async with gw.s.request(method, f"{gw.base}{path}", json=json, headers={"X-Api-Key": key, **headers}) as r:
        body = await r.json(content_type=None) if r.content_length != 0 else None
        return r.status, body


async def test_an_agency_system_acts_for_a_citizen_and_a_department(gw: Gateway) -> None:
    root = await gw.admin()
    created = await gw.ok(
        "POST",
        "/api/agencies/seoul/api-keys",
        root,
        {"name": f"민원 시스템 {RUN}", "scopes": ["read", "submit", "answer"]},
    )
    key = created["key"]
    citizen = await gw.citizen("연동 시민")
    me = {"X-On-Behalf-Of": citizen.account["id"]}

    body = {
        "title": f"민원 시스템에서 넘어온 제안 {RUN}",
        "body": "구청 민원 시스템에 접수된 시민의 제안을 플랫폼에 올립니다.",
        "category": "welfare",
    }
    status, proposal = await _call(gw, "POST", "/api/proposals", key, body, **me)
    assert status == 201, proposal
    assert proposal["author"]["account_id"] == citizen.account["id"]
    status, read = await _call(gw, "GET", f"/api/proposals/{proposal['id']}", key)
    assert (status, read["title"]) == (200, body["title"])
    status, comment = await _call(
        gw, "POST", f"/api/proposals/{proposal['id']}/comments", key, {"body": "보충 의견"}, **me
    )
    assert status == 201, comment

    # Votes are people's: no key casts one, not even for a verified citizen.
    status, refused = await _call(gw, "POST", f"/api/proposals/{proposal['id']}/support", key, **me)
    assert status == 401, refused
    status, refused = await _call(gw, "POST", f"/api/items/{proposal['id']}/votes", key, {"choices": []}, **me)
    assert (status, refused["error"]["code"]) == (403, "keys_do_not_vote")

    # As a department: review-svc takes the officer (the case does not exist, and says so).
    answer = {"decision": "accept", "answer": "검토하겠습니다"}
    status, reply = await _call(
        gw, "POST", "/api/review/cases/case-none/answer", key, answer, **{"X-Department": "dept-welfare"}
    )
    assert status == 404, reply
    status, reply = await _call(gw, "POST", "/api/review/cases/case-none/answer", key, answer)
    assert (status, reply["error"]["code"]) == (403, "insufficient_scope")

    usage = await gw.ok("GET", f"/api/agencies/seoul/api-keys/{created['id']}/usage?days=1", root)
    assert usage["requests"] >= 5
    assert usage["last_used_at"] is not None

    await gw.ok("DELETE", f"/api/agencies/seoul/api-keys/{created['id']}", root)
    status, refused = await _call(gw, "GET", f"/api/proposals/{proposal['id']}", key)
    assert (status, refused["error"]["code"]) == (401, "api_key_revoked")
