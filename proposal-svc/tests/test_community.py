"""proposal-svc against real Kafka, SecantusDB and Redis: editing and withdrawing, comments,
follows, reports, moderation, the status tabs, search and filters — over its HTTP API."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pymongo.asynchronous.collection import AsyncCollection

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import outbox_envelopes
from gongnon_contracts import Envelope
from gongnon_contracts.events import TallyUpdated
from gongnon_contracts.events.common import ActorRole
from proposal_svc.bootstrap import ProposalSettings, build_app
from proposal_svc.domain.moderation import HIDDEN_COMMENT_TEXT

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
RUN = uuid.uuid4().hex[:8]


def citizen(n: int, name: str = "") -> Actor:
    return Actor(account_id=f"acc-{n}", role=ActorRole.CITIZEN, citizen_key=f"ck-{n}", display_name=name or f"시민{n}")


AUTHOR = citizen(1, "김제안")
OTHER = citizen(2, "이시민")
OPERATOR = Actor(account_id="acc-op", role=ActorRole.OPERATOR, display_name="운영자")
BUSAN_OPERATOR = Actor(account_id="acc-op-busan", role=ActorRole.OPERATOR, agency="busan")


def hdr(actor: Actor | None) -> dict[str, str]:
    return actor.header() if actor else {}  # signed, as the gateway signs it (the development key)


class Svc:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: FixedClock) -> None:
        self.app = app
        self.http = client
        self.clock = clock
        self.rt: Runtime = app.state.runtime

    async def call(self, method: str, path: str, actor: Actor | None = None, **kw: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=hdr(actor), **kw)

    async def ok(self, method: str, path: str, actor: Actor | None = None, **kw: Any) -> Any:
        r = await self.call(method, path, actor, **kw)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json()

    async def error(self, method: str, path: str, actor: Actor | None, status: int, **kw: Any) -> str:
        r = await self.call(method, path, actor, **kw)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return str(r.json()["error"]["code"])

    async def propose(self, actor: Actor = AUTHOR, **over: Any) -> dict[str, Any]:
        self.clock.advance(timedelta(seconds=1))  # distinct creation times, like real life
        body = {
            "title": "따릉이 대여소를 늘려주세요",
            "body": "출퇴근 시간마다 자전거가 모자랍니다.",
            "category": "transport",
        }
        return dict(await self.ok("POST", "/proposals", actor, json=body | over))

    async def supports(self, item_id: str, total: int) -> None:
        ev = TallyUpdated(item_id=item_id, kind="support", total=total, as_of=self.clock.now(), seq=total, counts={})
        env = Envelope.wrap(ev, source="voting-svc", agency="seoul", time=self.clock.now())
        [consumer] = [c for c in self.rt.consumers if c.name.endswith(".tallies")]
        await consumer.dispatch(env.model_dump(mode="json"))

    async def outbox(self, item_id: str, event_type: str) -> list[dict[str, Any]]:
        return await outbox_envelopes(self.rt.db, key=item_id, type=event_type)

    async def timeline(self, item_id: str, actor: Actor | None = None) -> list[dict[str, Any]]:
        return list((await self.ok("GET", f"/proposals/{item_id}/timeline", actor))["items"])

    async def ids(self, path: str, actor: Actor | None = None) -> list[str]:
        return [i["id"] for i in (await self.ok("GET", path, actor))["items"]]

    async def queue(self) -> dict[str, dict[str, Any]]:
        return {e["target_id"]: e for e in (await self.ok("GET", "/moderation/queue", OPERATOR))["items"]}


@pytest_asyncio.fixture(scope="module")
async def svc(infra: Any) -> AsyncIterator[Svc]:
    settings = ProposalSettings(
        SERVICE_NAME=f"proposal-svc-community-{RUN}",
        MONGODB_DATABASE=f"proposal_svc_community_{RUN}",
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,
    )
    app = build_app(settings)
    clock = FixedClock(T0)
    rt: Runtime = app.state.runtime
    rt.clock = rt.store.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Svc(app, client, clock)


async def test_the_author_edits_until_the_first_support(svc: Svc) -> None:
    item = (await svc.propose(district="mapo", hashtags=["따릉이"]))["id"]
    patch = {"title": "따릉이 대여소를 역 앞에 늘려주세요", "district": None, "hashtags": ["#자전거"]}
    assert await svc.error("PATCH", f"/proposals/{item}", OTHER, 403, json=patch) == "not_author"
    assert await svc.error("PATCH", f"/proposals/{item}", None, 401, json=patch) == "unauthorized"
    assert await svc.error("PATCH", f"/proposals/{item}", AUTHOR, 422, json={"category": "nope"})
    edited = await svc.ok("PATCH", f"/proposals/{item}", AUTHOR, json=patch)
    assert (edited["title"], edited["district"], edited["hashtags"]) == (patch["title"], None, ["자전거"])
    assert edited["viewer"]["can_edit"] is True
    assert edited["edited_at"] is not None
    [ev] = await svc.outbox(item, "proposal.edited")
    assert ev["data"]["fields"] == ["title", "district", "hashtags"]
    assert (await svc.timeline(item))[-1]["summary"] == "제안자가 제안을 수정했습니다 (제목, 자치구, 해시태그)."
    # The search index follows the new title.
    assert item in await svc.ids("/proposals?q=역 앞")

    await svc.supports(item, 1)
    assert await svc.error(
        "PATCH", f"/proposals/{item}", AUTHOR, 409, json={"body": "더 고쳐 봅니다. 자전거가 부족합니다."}
    ) == ("edit_locked")
    got = await svc.ok("GET", f"/proposals/{item}", AUTHOR)
    assert got["viewer"]["can_edit"] is False
    assert got["title"] == patch["title"]


async def test_withdrawal_keeps_the_item_and_closes_its_support(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    assert await svc.error("POST", f"/proposals/{item}/withdraw", OTHER, 403) == "not_author"
    done = await svc.ok("POST", f"/proposals/{item}/withdraw", AUTHOR)
    assert (done["status"], done["stage"]) == ("withdrawn", "closed")
    assert await svc.error("POST", f"/proposals/{item}/withdraw", AUTHOR, 409) == "already_withdrawn"
    # Still readable by anyone, with the withdrawal on its timeline; out of the lists.
    public = await svc.ok("GET", f"/proposals/{item}")
    assert (public["status"], public["withdrawn_at"] is not None) == ("withdrawn", True)
    assert (await svc.timeline(item))[-1]["kind"] == "proposal.withdrawn"
    assert item not in await svc.ids("/proposals?limit=100")
    assert len(await svc.outbox(item, "proposal.withdrawn")) == 1
    [closed] = await svc.outbox(item, "proposal.closed")
    assert closed["data"]["reason"] == "withdrawn"
    assert (
        await svc.error("PATCH", f"/proposals/{item}", AUTHOR, 409, json={"title": "다시 고친 제목입니다"})
        == "withdrawn"
    )
    withdrawn = await svc.ids("/proposals?status=withdrawn&limit=100", OPERATOR)
    assert item in withdrawn


async def test_comments_replies_and_a_hidden_comment(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    path = f"/proposals/{item}/comments"
    assert await svc.error("POST", path, None, 401, json={"body": "좋아요"}) == "unauthorized"
    assert await svc.error("POST", path, OTHER, 422, json={"body": "   "})
    first = await svc.ok("POST", path, OTHER, json={"body": "좋은 제안입니다"})
    svc.clock.advance(timedelta(seconds=1))
    second = await svc.ok("POST", path, citizen(3), json={"body": "역 앞이 제일 급합니다"})
    reply = await svc.ok("POST", f"/comments/{first['id']}/replies", AUTHOR, json={"body": "감사합니다"})
    # A reply to a reply joins the same thread, remembering whom it answers.
    svc.clock.advance(timedelta(seconds=1))
    deeper = await svc.ok("POST", f"/comments/{reply['id']}/replies", OTHER, json={"body": "응원합니다"})
    assert (deeper["parent_id"], deeper["reply_to"]) == (first["id"], reply["id"])

    listed = await svc.ok("GET", path)
    assert [c["id"] for c in listed["items"]] == [second["id"], first["id"]]  # newest first
    assert [r["id"] for r in listed["items"][1]["replies"]] == [reply["id"], deeper["id"]]  # oldest first
    assert listed["items"][1]["author"] == {"name": "이시민", "role": "citizen"}

    # An operator hides the first comment: a reason is required, and everyone sees a placeholder.
    hide = f"/moderation/comment/{first['id']}/hide"
    assert await svc.error("POST", hide, OTHER, 403, json={"reason": "욕설"}) == "forbidden"
    assert await svc.error("POST", hide, OPERATOR, 422, json={}) == "reason_required"
    assert await svc.error("POST", hide, OPERATOR, 422, json={"reason": "  "}) == "reason_required"
    assert await svc.error("POST", hide, BUSAN_OPERATOR, 403, json={"reason": "욕설"}) == "other_agency"
    acted = await svc.ok("POST", hide, OPERATOR, json={"reason": "특정인을 비방하는 표현이 있습니다"})
    assert (acted["state"], acted["item_id"]) == ("hidden", item)
    assert await svc.error("POST", hide, OPERATOR, 409, json={"reason": "또"}) == "invalid_transition"

    shown = (await svc.ok("GET", path))["items"][1]
    assert (shown["hidden"], shown["placeholder"], shown["body"], shown["author"]) == (
        True,
        HIDDEN_COMMENT_TEXT,
        None,
        None,
    )
    assert [r["id"] for r in shown["replies"]] == [reply["id"], deeper["id"]]  # the thread stays
    own = (await svc.ok("GET", path, OTHER))["items"][1]
    assert own["body"] == "좋은 제안입니다"
    assert own["moderation"]["reason"] == "특정인을 비방하는 표현이 있습니다"
    assert (await svc.ok("GET", path, OPERATOR))["items"][1]["author_account"] == "acc-2"
    assert await svc.error("POST", f"/comments/{first['id']}/replies", AUTHOR, 409, json={"body": "?"}) == (
        "comment_hidden"
    )

    # On the item's public timeline with the reason, in the audit log, and as an event for the author.
    entry = (await svc.timeline(item))[-1]
    assert entry["kind"] == "comment.moderated"
    assert entry["summary"] == "운영자가 댓글을 숨김 처리했습니다. 사유: 특정인을 비방하는 표현이 있습니다"
    assert await svc.error("GET", f"/moderation/audit?target={first['id']}", OTHER, 403) == "forbidden"
    [audit] = (await svc.ok("GET", f"/moderation/audit?target={first['id']}", OPERATOR))["items"]
    assert (audit["action"], audit["from_state"], audit["to_state"], audit["actor_account"]) == (
        "hide",
        "visible",
        "hidden",
        "acc-op",
    )
    [ev] = await svc.outbox(item, "proposal.comment_moderated")
    assert (ev["data"]["comment_id"], ev["data"]["author_account"]) == (first["id"], "acc-2")

    await svc.ok(
        "POST", f"/moderation/comment/{first['id']}/restore", OPERATOR, json={"reason": "이의 신청 검토 결과 복원"}
    )
    assert (await svc.ok("GET", path))["items"][1]["body"] == "좋은 제안입니다"
    actions = [a["action"] for a in (await svc.ok("GET", f"/moderation/audit?target={first['id']}", OPERATOR))["items"]]
    assert actions == ["hide", "restore"]


async def test_follow_and_unfollow_emit_once(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    path = f"/proposals/{item}/follow"
    assert (await svc.ok("GET", path, OTHER))["following"] is False
    for _ in range(2):
        assert (await svc.ok("POST", path, OTHER))["following"] is True
    assert (await svc.ok("GET", path, OTHER))["following"] is True
    [followed] = await svc.outbox(item, "proposal.followed")
    assert followed["data"]["account_id"] == "acc-2"
    for _ in range(2):
        assert (await svc.ok("DELETE", path, OTHER))["following"] is False
    assert len(await svc.outbox(item, "proposal.unfollowed")) == 1
    assert await svc.error("POST", "/proposals/pr_nope/follow", OTHER, 404) == "proposal_not_found"


async def test_reports_queue_a_target_at_the_threshold(svc: Svc) -> None:
    item = (await svc.propose(title="정류장 의자를 바꿔 주세요"))["id"]
    path = f"/proposals/{item}/flags"
    assert await svc.error("POST", path, AUTHOR, 409, json={"reason": "spam"}) == "own_content"
    assert await svc.error("POST", path, OTHER, 422, json={"reason": "boring"}) == "unknown_flag_reason"
    first = await svc.ok("POST", path, OTHER, json={"reason": "spam", "detail": "같은 글 반복"})
    assert (first["flag_count"], first["queued"]) == (1, False)
    assert await svc.error("POST", path, OTHER, 409, json={"reason": "abuse"}) == "already_flagged"
    await svc.ok("POST", path, citizen(3), json={"reason": "spam"})
    assert item not in await svc.queue()
    third = await svc.ok("POST", path, citizen(4), json={"reason": "abuse"})
    assert (third["flag_count"], third["queued"]) == (3, True)
    entry = (await svc.queue())[item]
    assert (entry["flag_reasons"], entry["target"]["title"]) == ({"spam": 2, "abuse": 1}, "정류장 의자를 바꿔 주세요")
    assert await svc.error("GET", "/moderation/queue", OTHER, 403) == "forbidden"
    assert await svc.error("GET", "/moderation/queue?agency=seoul", BUSAN_OPERATOR, 403) == "other_agency"

    # Reviewed and found fine: restoring a visible item closes its reports; new ones count afresh.
    await svc.ok("POST", f"/moderation/proposal/{item}/restore", OPERATOR, json={"reason": "규정 위반이 아닙니다"})
    assert item not in await svc.queue()
    assert (await svc.ok("GET", f"/proposals/{item}"))["status"] == "public"
    for n in (5, 6):
        await svc.ok("POST", path, citizen(n), json={"reason": "spam"})
    assert item not in await svc.queue()
    assert (await svc.ok("POST", path, citizen(7), json={"reason": "spam"}))["queued"] is True

    comment = await svc.ok("POST", f"/proposals/{item}/comments", OTHER, json={"body": "의견입니다"})
    for n in (3, 4, 5):
        await svc.ok("POST", f"/comments/{comment['id']}/flags", citizen(n), json={"reason": "abuse"})
    assert (await svc.queue())[comment["id"]]["target"]["body"] == "의견입니다"


async def test_suspicious_text_is_queued_on_creation(svc: Svc) -> None:
    rude = await svc.propose(title="이런 병신 같은 정책은 없애라", body="정말 지랄 같은 행정입니다. 바꿔 주세요.")
    spam = await svc.propose(
        title="좋은 정보 공유합니다",
        body="대출 상담 https://a.example.xyz https://b.example.xyz https://c.example.xyz",
    )
    fine = await svc.propose(title="시발점 역에 엘리베이터를 놓아 주세요", body="계단이 많아 어르신들이 힘듭니다.")
    queue = await svc.queue()
    assert queue[rude["id"]]["suspicion"] == ["abusive_language"]
    assert set(queue[spam["id"]]["suspicion"]) == {"link_spam", "ad_spam"}
    assert fine["id"] not in queue
    # Suspected, not condemned: the item stays public until an operator decides.
    assert (await svc.ok("GET", f"/proposals/{rude['id']}"))["status"] == "public"
    comment = await svc.ok("POST", f"/proposals/{fine['id']}/comments", OTHER, json={"body": "ㅅㅂ 이게 뭐냐"})
    assert (await svc.queue())[comment["id"]]["suspicion"] == ["abusive_language"]


async def test_hidden_and_trashed_items_leave_public_view_but_not_the_record(svc: Svc) -> None:
    item = (await svc.propose(title="숨김 처리 시험용 버스 노선 제안", hashtags=["버스노선"]))["id"]
    assert item in await svc.ids("/proposals?hashtag=버스노선")
    hide = f"/moderation/proposal/{item}/hide"
    assert await svc.error("POST", hide, AUTHOR, 403, json={"reason": "x"}) == "forbidden"
    await svc.ok("POST", hide, OPERATOR, json={"reason": "개인정보(전화번호)가 포함되어 있습니다"})

    r = await svc.call("GET", f"/proposals/{item}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "proposal_hidden"
    assert "버스 노선" not in r.text  # the content is not served
    assert await svc.error("GET", f"/proposals/{item}", OTHER, 404) == "proposal_hidden"
    assert await svc.error("GET", f"/proposals/{item}/comments", OTHER, 404) == "proposal_not_found"
    assert item not in await svc.ids("/proposals?hashtag=버스노선")
    assert item not in await svc.ids("/proposals?q=버스 노선")
    assert item not in await svc.ids("/proposals?limit=100")
    # The author sees it, with the reason; so does the operator.
    mine = await svc.ok("GET", f"/proposals/{item}", AUTHOR)
    assert (mine["status"], mine["moderation"]["reason"]) == ("hidden", "개인정보(전화번호)가 포함되어 있습니다")
    assert mine["moderation"]["notice"] == "운영정책에 따라 숨김 처리된 제안입니다"
    assert (await svc.ok("GET", f"/proposals/{item}", OPERATOR))["moderation"]["state"] == "hidden"
    # The act is on the public timeline with its reason, and in the audit log.
    entry = (await svc.timeline(item))[-1]
    assert entry["summary"] == "운영자가 이 제안을 숨김 처리했습니다. 사유: 개인정보(전화번호)가 포함되어 있습니다"
    [ev] = await svc.outbox(item, "proposal.moderated")
    assert (ev["data"]["action"], ev["data"]["reason"]) == ("hide", "개인정보(전화번호)가 포함되어 있습니다")
    assert item in await svc.ids("/proposals?status=hidden&limit=100", OPERATOR)
    assert await svc.error("GET", "/proposals?status=hidden", OTHER, 403) == "operators_only"

    await svc.ok("POST", f"/moderation/proposal/{item}/trash", OPERATOR, json={"reason": "수정 요청에 응답이 없습니다"})
    assert item in await svc.ids("/proposals?status=trash&limit=100", OPERATOR)
    assert await svc.error("POST", hide, OPERATOR, 409, json={"reason": "x"}) == "invalid_transition"
    await svc.ok("POST", f"/moderation/proposal/{item}/restore", OPERATOR, json={"reason": "전화번호를 지웠습니다"})
    assert item in await svc.ids("/proposals?hashtag=버스노선")
    audit = (await svc.ok("GET", f"/moderation/audit?target={item}", OPERATOR))["items"]
    assert [(a["action"], a["to_state"]) for a in audit] == [
        ("hide", "hidden"),
        ("trash", "trashed"),
        ("restore", "visible"),
    ]


async def test_operators_make_an_item_private_and_public(svc: Svc) -> None:
    item = (await svc.propose())["id"]
    path = f"/proposals/{item}/visibility"
    assert await svc.error("PUT", path, OTHER, 403, json={"visibility": "private", "reason": "x"}) == "forbidden"
    assert await svc.error("PUT", path, OPERATOR, 422, json={"visibility": "private"}) == "reason_required"
    done = await svc.ok("PUT", path, OPERATOR, json={"visibility": "private", "reason": "중복 제안입니다"})
    assert (done["status"], done["visibility"]) == ("private", "private")
    assert await svc.error("GET", f"/proposals/{item}", OTHER, 404) == "proposal_not_found"
    assert await svc.error("GET", f"/proposals/{item}/timeline", OTHER, 404) == "proposal_not_found"
    assert (await svc.timeline(item, AUTHOR))[-1][
        "summary"
    ] == "운영자가 이 제안을 비공개로 전환했습니다. 사유: 중복 제안입니다"
    assert item in await svc.ids("/proposals?status=private&limit=100", OPERATOR)
    assert await svc.error("PUT", path, OPERATOR, 409, json={"visibility": "private", "reason": "x"}) == (
        "invalid_transition"
    )
    await svc.ok("PUT", path, OPERATOR, json={"visibility": "public", "reason": "중복이 아니었습니다"})
    assert (await svc.ok("GET", f"/proposals/{item}", OTHER))["status"] == "public"


async def test_lists_by_hashtag_district_agency_and_title_search(svc: Svc) -> None:
    tag = f"산책로{RUN[:4]}"
    a = (await svc.propose(title="한강 산책로에 가로등을 달아 주세요", district="mapo", hashtags=[tag]))["id"]
    b = (await svc.propose(title="산책로 가로등이 너무 어둡습니다", district="jongno", hashtags=[tag]))["id"]
    c = (await svc.propose(title="공원 산책로를 넓혀 주세요", district="mapo", hashtags=[tag], category="environment"))[
        "id"
    ]
    busan = (
        await svc.propose(
            citizen(9).model_copy(update={"agency": "busan"}), title="해운대 산책로 가로등", hashtags=[tag]
        )
    )["id"]
    assert await svc.ids(f"/proposals?hashtag=%23{tag}") == [busan, c, b, a]
    assert await svc.ids(f"/proposals?hashtag={tag}&district=mapo") == [c, a]
    assert await svc.ids(f"/proposals?hashtag={tag}&agency=busan") == [busan]
    assert await svc.ids(f"/proposals?hashtag={tag}&category=environment") == [c]
    # Particles and spacing: 가로등을 / 가로등이 both match 가로등.
    assert await svc.ids(f"/proposals?q=가로등 산책로&hashtag={tag}") == [busan, b, a]
    assert await svc.ids(f"/proposals?q=산책로 가로등&agency=seoul&hashtag={tag}") == [b, a]
    assert await svc.ids("/proposals?q=%21%3F") == []
    assert await svc.error("GET", "/proposals?district=gotham", None, 422) == "unknown_district"
    assert await svc.error("GET", "/proposals?cursor=abc", None, 400) == "invalid_cursor"

    await svc.supports(b, 7)
    await svc.supports(c, 2)
    # The popular order follows the documents' counts, which catch up with the live ones when
    # they are folded (every PROPOSAL_COUNT_FOLD_S; adapters/live_counts.py).
    await svc.app.state.components.proposals.proposals.live.fold()
    first = await svc.ok("GET", f"/proposals?sort=popular&hashtag={tag}&limit=2")
    assert [i["id"] for i in first["items"]] == [b, c]
    second = await svc.ok("GET", f"/proposals?sort=popular&hashtag={tag}&limit=2&cursor={first['next_cursor']}")
    assert ([i["id"] for i in second["items"]], second["next_cursor"]) == ([busan, a], None)
    assert (
        await svc.error("GET", f"/proposals?sort=latest&cursor={first['next_cursor']}", None, 400) == "invalid_cursor"
    )


async def test_every_query_the_lists_send_is_index_served(svc: Svc, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record the filters the service really sends for lists, search, comments and moderation,
    and ask the database for each plan."""
    item = (await svc.propose(title="지하철 엘리베이터 고장 알림", hashtags=["지하철"]))["id"]
    comment = await svc.ok("POST", f"/proposals/{item}/comments", OTHER, json={"body": "필요합니다"})
    await svc.ok("POST", f"/comments/{comment['id']}/replies", AUTHOR, json={"body": "감사합니다"})
    seen: list[tuple[str, dict[str, Any]]] = []
    find = AsyncCollection.find

    def recording(self: AsyncCollection[Any], *args: Any, **kwargs: Any) -> Any:
        flt = args[0] if args else kwargs.get("filter", {})
        seen.append((self.name, dict(flt or {})))
        return find(self, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "find", recording)
    latest = await svc.ok("GET", "/proposals?limit=2")
    popular = await svc.ok("GET", "/proposals?sort=popular&limit=2")
    for path in (
        f"/proposals?limit=2&cursor={latest['next_cursor']}",
        f"/proposals?sort=popular&limit=2&cursor={popular['next_cursor']}",
        "/proposals?category=transport",
        "/proposals?district=mapo&sort=popular",
        "/proposals?hashtag=지하철",
        "/proposals?agency=seoul",
        "/proposals?stage=supporting",
        "/proposals?q=엘리베이터 고장",
        "/proposals?q=엘리베이터&sort=popular&category=transport",
        f"/proposals/{item}/comments",
    ):
        await svc.ok("GET", path)
    await svc.ok("GET", "/proposals?status=private", OPERATOR)
    await svc.ok("GET", "/moderation/queue", OPERATOR)
    await svc.ok("GET", f"/moderation/audit?target={item}", OPERATOR)
    monkeypatch.undo()
    lists = {c for c, _ in seen}
    assert {"proposals", "comments", "moderation_queue", "audit_log"} <= lists
    for coll, flt in seen:
        res = await svc.rt.db.command("explain", {"find": coll, "filter": flt}, verbosity="queryPlanner")
        plan = json.dumps(res["queryPlanner"]["winningPlan"], default=str)
        assert "IXSCAN" in plan, (coll, flt, plan)
        assert "COLLSCAN" not in plan, (coll, flt, plan)
