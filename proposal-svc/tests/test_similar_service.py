"""POST /proposals/similar against real Kafka, SecantusDB and Redis: the index is loaded at
startup, learns of new proposals on create and of others through the catch-up, and shows only
what the public lists show, of the caller's agency."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.runtime import Runtime
from gongnon_contracts.events.common import ActorRole
from proposal_svc.adapters.similar_index import SimilarProposals
from proposal_svc.bootstrap import ProposalSettings, build_app

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
RUN = uuid.uuid4().hex[:8]
DB = f"proposal_svc_similar_{RUN}"

CITIZEN = Actor(account_id="acc-citizen", role=ActorRole.CITIZEN, citizen_key="ck-1", display_name="김시민")
BUSAN = Actor(account_id="acc-busan", role=ActorRole.OPERATOR, agency="busan")

PROPOSALS = {
    "lift": (
        "지하철역에 엘리베이터를 설치해 주세요",
        "우리 동네 지하철역은 엘리베이터가 없어 어르신과 유모차가 계단을 오르내리기 힘듭니다.",
        "transport",
    ),
    "bike": (
        "따릉이 대여소를 늘려 주세요",
        "출퇴근 시간마다 집 근처 대여소에 자전거가 없습니다. 대여소를 늘려 주세요.",
        "transport",
    ),
    "cat": (
        "길고양이 급식소를 공원에 설치해 주세요",
        "밥을 아무 데나 주다 보니 주민 갈등이 생깁니다. 급식소를 정해 주세요.",
        "environment",
    ),
    "library": ("작은도서관 운영 시간을 늘려 주세요", "오후 6시에 문을 닫아 직장인은 이용할 수가 없습니다.", "culture"),
}
# Another citizen's words for the lift, while writing.
DRAFT = {"title": "전철역 승강기가 없어서 너무 불편해요", "body": "무릎이 안 좋은 어머니가 역 계단에서 넘어지셨습니다."}


def hdr(actor: Actor) -> dict[str, str]:
    return actor.header()  # signed, as the gateway signs it (the development key)


@asynccontextmanager
async def running(infra: Any, name: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = ProposalSettings(
        SERVICE_NAME=f"proposal-svc-similar-{name}-{RUN}",
        MONGODB_DATABASE=DB,  # one database: the second app is the first one restarted
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        SCHEDULER_INTERVAL_S=3600,
    )
    app = build_app(settings)
    rt: Runtime = app.state.runtime
    rt.clock = rt.store.clock = FixedClock(T0)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield app, client


@pytest_asyncio.fixture(scope="module")
async def svc(infra: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running(infra, "a") as pair:
        yield pair


@pytest_asyncio.fixture(scope="module")
async def ids(svc: tuple[FastAPI, httpx.AsyncClient]) -> dict[str, str]:
    _, http = svc
    out = {}
    for key, (title, body, category) in PROPOSALS.items():
        r = await http.post(
            "/proposals", json={"title": title, "body": body, "category": category}, headers=hdr(CITIZEN)
        )
        assert r.status_code == 201, r.text
        out[key] = r.json()["id"]
    title, body, category = PROPOSALS["lift"]
    r = await http.post("/proposals", json={"title": title, "body": body, "category": category}, headers=hdr(BUSAN))
    assert r.status_code == 201, r.text
    out["busan-lift"] = r.json()["id"]
    return out


async def similar(http: httpx.AsyncClient, actor: Actor | None = None, **body: Any) -> list[dict[str, Any]]:
    r = await http.post("/proposals/similar", json=body or DRAFT, headers=hdr(actor) if actor else {})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_finds_the_paraphrase_first_within_the_agency(
    svc: tuple[FastAPI, httpx.AsyncClient], ids: dict[str, str]
) -> None:
    _, http = svc
    items = await similar(http)
    assert items, "the duplicate was not found"
    assert items[0]["id"] == ids["lift"]
    assert items[0]["title"] == PROPOSALS["lift"][0]
    assert set(items[0]) == {"id", "title", "score", "support_count", "stage"}
    assert (items[0]["support_count"], items[0]["stage"]) == (0, "supporting")
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert 0 < scores[-1] <= scores[0] <= 1
    assert ids["busan-lift"] not in {i["id"] for i in items}  # an anonymous caller sees the default agency
    assert len(items) <= 5
    # A caller of another agency sees that agency's proposals only.
    assert [i["id"] for i in await similar(http, BUSAN)] == [ids["busan-lift"]]
    assert len(await similar(http, CITIZEN, **DRAFT, limit=1)) == 1


async def test_hidden_proposals_are_not_hinted(svc: tuple[FastAPI, httpx.AsyncClient], ids: dict[str, str]) -> None:
    app, http = svc
    draft = {"title": "길냥이 밥자리를 정해 주세요", "body": "캣맘과 주민이 사료 때문에 자주 다툽니다."}
    assert (await similar(http, **draft))[0]["id"] == ids["cat"]
    # Moderation hides it (its own API and tests live elsewhere): the stored flags are what counts.
    rt: Runtime = app.state.runtime
    await rt.db.proposals.update_one({"_id": ids["cat"]}, {"$set": {"moderation": "hidden", "browsable": False}})
    assert ids["cat"] not in {i["id"] for i in await similar(http, **draft)}


@pytest.mark.parametrize(
    "body",
    [
        {"title": "엘리베이터", "limit": 11},
        {"title": "엘리베이터", "limit": 0},
        {"body": "제목이 없습니다"},
        {"title": " "},
        {"title": "엘리베이터", "category": "transport"},
        {"title": "엘리베이터", "body": "가" * 10_001},
    ],
)
async def test_bad_input_is_422_with_the_error_body(
    svc: tuple[FastAPI, httpx.AsyncClient], body: dict[str, Any]
) -> None:
    _, http = svc
    r = await http.post("/proposals/similar", json=body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_catch_up_and_restart(infra: Any, svc: tuple[FastAPI, httpx.AsyncClient], ids: dict[str, str]) -> None:
    app, http = svc
    hints: SimilarProposals = app.state.similar
    # Created without this process's hook (as by another replica): the catch-up indexes it.
    elsewhere = replace(app.state.components.proposals, on_submitted=None)
    crossing = await elsewhere.submit(
        CITIZEN,
        "횡단보도 보행신호 시간을 늘려주세요",
        "신호가 너무 짧아서 어르신들이 다 건너기 전에 빨간불로 바뀝니다.",
        "transport",
        None,
        [],
    )
    await hints.catch_up()
    draft = {
        "title": "건널목 초록불이 금방 꺼져요",
        "body": "노인분들이 다 건너지 못합니다. 파란불을 더 길게 해주세요.",
    }
    assert (await similar(http, **draft))[0]["id"] == crossing.id

    # A restart loads every proposal (and the stored vectors) before it serves.
    async with running(infra, "b") as (app2, http2):
        again: SimilarProposals = app2.state.similar
        seoul = again.shards["seoul"]
        assert all(d in seoul for d in (ids["lift"], ids["bike"], crossing.id))
        if again.reader and again.reader.encoder:
            assert seoul.missing_vectors() == []
        bike = await similar(http2, title="공공자전거 대여소 좀 더 만들어 주세요", body="아침마다 자전거가 없어요.")
        assert bike[0]["id"] == ids["bike"]
