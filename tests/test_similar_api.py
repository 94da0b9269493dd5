"""유사제안 through the gateway: a citizen writing a proposal is shown the existing one that asks
for the same thing in other words, and not an unrelated one."""

from __future__ import annotations

from tests.support import Gateway, eventually


async def test_writer_sees_the_existing_duplicate(gw: Gateway) -> None:
    author = await gw.citizen()
    existing = await gw.ok(
        "POST",
        "/api/proposals",
        author,
        {
            "title": "버스 정류장에 온열 의자를 설치해 주세요",
            "body": "겨울철 버스를 기다리는 어르신들이 너무 춥습니다. 정류장 의자에 온열 기능을 넣어 주세요.",
            "category": "transport",
            "district": None,
            "hashtags": [],
        },
    )
    draft = {"title": "추운 겨울 정류장 벤치를 따뜻하게 데워 주세요", "body": "버스 기다릴 때 앉는 의자가 차갑습니다."}

    async def ranked() -> list[str] | None:
        r = await gw.req("POST", "/api/proposals/similar", None, draft)
        assert r.status == 200, r.body
        ids = [i["id"] for i in r.body["items"]]
        return ids if existing["id"] in ids else None

    ids = await eventually(ranked, what="the duplicate among the hints")
    assert len(ids) <= 5
    bad = await gw.req("POST", "/api/proposals/similar", None, {"title": ""})
    assert bad.status == 422
    assert bad.body["error"]["code"] == "validation_error"
