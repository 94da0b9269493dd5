"""Proposals after submission, across the real processes and only through the gateway: the
author's edit lock after the first support, comments, reports into the moderation queue, and an
operator hiding content with a reason that the author reads and the public timeline and the audit
log record — while the hidden content is no longer served publicly."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from tests.support import Gateway, Resp, eventually

RUN = os.urandom(3).hex()


def proposal(title: str, **over: Any) -> dict[str, Any]:
    body = {
        "title": title,
        "body": "퇴근길 한강 산책로가 너무 어두워 넘어지는 분이 많습니다. 가로등을 더 달아 주세요.",
        "category": "safety",
        "district": "mapo",
        "hashtags": [f"산책로{RUN}"],
    }
    return body | over


def code(r: Resp) -> str:
    assert isinstance(r.body, dict), r.body
    return str(r.body["error"]["code"])


async def test_edits_stop_at_the_first_support(gw: Gateway) -> None:
    author, other = await asyncio.gather(gw.citizen("김제안"), gw.citizen("이시민"))
    pid = (await gw.ok("POST", "/api/proposals", author, proposal("한강 산책로 가로등 설치 요청")))["id"]
    path = f"/api/proposals/{pid}"

    stranger = await gw.req("PATCH", path, other, {"title": "남의 제안을 고쳐 봅니다"})
    assert (stranger.status, code(stranger)) == (403, "not_author")
    edited = await gw.ok("PATCH", path, author, {"title": "한강 산책로에 가로등을 더 달아 주세요"})
    assert edited["title"] == "한강 산책로에 가로등을 더 달아 주세요"
    timeline = (await gw.ok("GET", f"{path}/timeline"))["items"]
    assert timeline[-1]["kind"] == "proposal.edited"

    # One support, counted by voting-svc and learned by proposal-svc from tally.updated, locks the text.
    await eventually(lambda: _status(gw, f"{path}/tally", 200), what="ballot open")
    await gw.ok("POST", f"{path}/support", other)
    await eventually(lambda: _when(gw, path, lambda p: p["support_count"] == 1), what="support counted")
    locked = await gw.req("PATCH", path, author, {"body": "내용을 조금 더 고쳐서 다시 올립니다. 가로등이 필요합니다."})
    assert (locked.status, code(locked)) == (409, "edit_locked")
    assert (await gw.ok("GET", path))["title"] == "한강 산책로에 가로등을 더 달아 주세요"


async def test_operators_moderate_with_reasons_the_author_and_the_public_can_read(gw: Gateway) -> None:
    author, commenter, operator = await asyncio.gather(gw.citizen("박제안"), gw.citizen("최댓글"), gw.staff("operator"))
    reporters = await asyncio.gather(*(gw.citizen() for _ in range(3)))
    pid = (await gw.ok("POST", "/api/proposals", author, proposal("산책로 조명 개선 제안합니다")))["id"]
    item = f"/api/proposals/{pid}"
    tag = f"/api/proposals?hashtag=산책로{RUN}"
    assert pid in await _ids(gw, tag)

    # A comment, reported by three citizens, reaches the operators' queue.
    comment = await gw.ok("POST", f"{item}/comments", commenter, {"body": "제안자 전화번호는 010-1234-5678 입니다"})
    cid = comment["id"]
    flags = await asyncio.gather(
        *(gw.req("POST", f"/api/comments/{cid}/flags", r, {"reason": "privacy"}) for r in reporters)
    )
    assert [f.status for f in flags] == [201, 201, 201]
    again = await gw.req("POST", f"/api/comments/{cid}/flags", reporters[0], {"reason": "privacy"})
    assert (again.status, code(again)) == (409, "already_flagged")
    queue = await gw.ok("GET", "/api/moderation/queue", operator)
    assert cid in [e["target_id"] for e in queue["items"]]

    # Citizens cannot moderate; an operator must give a reason.
    hide_comment = f"/api/moderation/comment/{cid}/hide"
    denied = await gw.req("POST", hide_comment, author, {"reason": "제가 지울게요"})
    assert denied.status == 403
    no_reason = await gw.req("POST", hide_comment, operator, {})
    assert (no_reason.status, code(no_reason)) == (422, "reason_required")
    assert (await gw.req("GET", "/api/moderation/queue", commenter)).status == 403
    reason = "개인정보(전화번호)가 포함되어 숨김 처리합니다"
    await gw.ok("POST", hide_comment, operator, {"reason": reason})

    public = (await gw.ok("GET", f"{item}/comments"))["items"]
    [shown] = [c for c in public if c["id"] == cid]
    assert (shown["hidden"], shown["body"], shown["placeholder"]) == (
        True,
        None,
        "운영정책에 따라 숨김 처리된 댓글입니다",
    )
    [own] = [c for c in (await gw.ok("GET", f"{item}/comments", commenter))["items"] if c["id"] == cid]
    assert own["body"].startswith("제안자 전화번호")
    assert own["moderation"]["reason"] == reason

    # The proposal itself is hidden: gone from public view, but not from its author or the record.
    hide_item = f"/api/moderation/proposal/{pid}/hide"
    assert (await gw.req("POST", hide_item, commenter, {"reason": "싫어요"})).status == 403
    item_reason = "같은 내용의 제안이 이미 있어 숨김 처리합니다"
    await gw.ok("POST", hide_item, operator, {"reason": item_reason})
    anonymous = await gw.req("GET", item)
    assert (anonymous.status, code(anonymous)) == (404, "proposal_hidden")
    assert "산책로 조명" not in str(anonymous.body)
    assert (await gw.req("GET", item, commenter)).status == 404
    assert pid not in await _ids(gw, tag)
    assert pid not in await _ids(gw, "/api/proposals?q=산책로 조명&limit=100")
    mine = await gw.ok("GET", item, author)
    assert (mine["status"], mine["moderation"]["reason"]) == ("hidden", item_reason)

    summaries = [e["summary"] for e in (await gw.ok("GET", f"{item}/timeline"))["items"]]
    assert f"운영자가 댓글을 숨김 처리했습니다. 사유: {reason}" in summaries
    assert f"운영자가 이 제안을 숨김 처리했습니다. 사유: {item_reason}" in summaries

    assert (await gw.req("GET", f"/api/moderation/audit?target={pid}", author)).status == 403
    [act] = (await gw.ok("GET", f"/api/moderation/audit?target={pid}", operator))["items"]
    assert (act["action"], act["reason"], act["to_state"]) == ("hide", item_reason, "hidden")
    [comment_act] = (await gw.ok("GET", f"/api/moderation/audit?target={cid}", operator))["items"]
    assert comment_act["reason"] == reason

    # Restored with a reason: public again, and the record keeps both acts.
    await gw.ok("POST", f"/api/moderation/proposal/{pid}/restore", operator, {"reason": "중복이 아니었습니다"})
    assert (await gw.ok("GET", item))["status"] == "public"
    assert pid in await _ids(gw, tag)
    acts = (await gw.ok("GET", f"/api/moderation/audit?target={pid}", operator))["items"]
    assert [a["action"] for a in acts] == ["hide", "restore"]


async def _ids(gw: Gateway, path: str) -> list[str]:
    return [i["id"] for i in (await gw.ok("GET", path))["items"]]


async def _status(gw: Gateway, path: str, status: int) -> bool:
    return (await gw.req("GET", path)).status == status


async def _when(gw: Gateway, path: str, check: Any) -> Any:
    r = await gw.req("GET", path)
    return r.body if r.status == 200 and check(r.body) else None
