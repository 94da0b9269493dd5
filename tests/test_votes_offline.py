"""Offline ballots (현장 투표) across the platform: an operator uploads a CSV of paper ballots to the
gateway, which resolves identities to the citizen keys online verification gives; voting-svc
de-duplicates each line against online votes, reports refusals line by line, and the same file
uploaded twice counts nothing twice."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.cluster import SERVICES, Cluster
from tests.support import Gateway, eventually

PROPOSAL = {
    "title": "동 주민센터에서 받은 종이 공감도 함께 세어 주세요",
    "body": "온라인이 익숙하지 않은 어르신들이 주민센터에서 공감하신 것도 같은 제안에 합쳐서 세어야 합니다.",
    "category": "welfare",
    "district": "gangseo",
    "hashtags": ["현장투표"],
}
# 20,000 in CI; GONGNON_OFFLINE_BIG_IMPORT=100000 measures the issue's target size.
BIG_IMPORT = int(os.environ.get("GONGNON_OFFLINE_BIG_IMPORT", "20000"))


def _secret(cluster: Cluster) -> str:
    return cluster.env_for(next(s for s in SERVICES if s.name == "gateway"))["GATEWAY_SECRET"]


def _token(cluster: Cluster, citizen_key: str) -> str:
    signer = TokenSigner(_secret(cluster).encode(), timedelta(hours=1), SystemClock())
    actor = Actor(account_id=f"acc-{citizen_key}", role=ActorRole.CITIZEN, citizen_key=citizen_key)
    return signer.issue(actor)


async def _new_item(gw: Gateway, title: str = str(PROPOSAL["title"])) -> str:
    author = await gw.citizen()
    pid = str((await gw.ok("POST", "/api/proposals", author, {**PROPOSAL, "title": title}))["id"])
    await eventually(lambda: _tally(gw, pid), timeout=60, what="ballot open")
    return pid


async def _tally(gw: Gateway, pid: str) -> dict[str, Any] | None:
    r = await gw.req("GET", f"/api/proposals/{pid}/tally")
    return r.body if r.status == 200 else None


async def _upload(
    gw: Gateway, pid: str, token: str, csv_bytes: bytes, multipart: bool = False
) -> tuple[int, dict[str, Any]]:
    url = f"{gw.base}/api/items/{pid}/offline-ballots"
    headers = {"Authorization": f"Bearer {token}"}
    if multipart:
        form = aiohttp.FormData()
        form.add_field("file", csv_bytes, filename="mapo-office.csv", content_type="text/csv")
        data: Any = form
    else:
        headers["Content-Type"] = "text/csv; charset=utf-8"
        data = csv_bytes
    async with gw.s.post(url, data=data, headers=headers, timeout=aiohttp.ClientTimeout(total=600)) as r:
        return r.status, await r.json(content_type=None)


async def _ledger_channels(cluster: Cluster, infra: Any, pid: str) -> dict[str, int]:
    db = cluster.env_for(next(s for s in SERVICES if s.name == "voting-svc")).get("MONGODB_DATABASE") or "voting_svc"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        docs = await client[db].ledger.find({"item_id": pid}, {"channel": 1, "_id": 0}).to_list(None)
    finally:
        await client.close()
    out: dict[str, int] = {}
    for d in docs:
        out[d["channel"]] = out.get(d["channel"], 0) + 1
    return out


async def test_offline_batch_dedupes_against_online_votes_and_reports_line_by_line(
    cluster: Cluster, gw: Gateway, infra: Any
) -> None:
    pid = await _new_item(gw)
    run = os.urandom(3).hex()
    operator = await gw.staff("operator")

    # Online first: two citizens by key, and one person who verified an account with the identity
    # provider (name, birth date, phone): the paper ballot of that person must find the same key.
    online = [f"off-{run}-online-{i}" for i in range(2)]
    for key in online:
        assert (await gw.req("POST", f"/api/proposals/{pid}/support", _token(cluster, key))).status == 201
    digits = f"{int(run, 16) % 10**8:08d}"
    person = (f"김현장{run}", "1955-03-01", f"010-{digits[:4]}-{digits[4:]}")
    verified = await gw.citizen(identity=person)
    assert (await gw.req("POST", f"/api/proposals/{pid}/support", verified)).status == 201
    newcomer = (f"박종이{run}", "1948-11-30", f"011-{digits[:4]}-{digits[4:]}")

    csv_text = "\n".join(
        [
            "citizen_key,이름,생년월일,휴대전화,choice",  # header: line 1
            f"off-{run}-paper-1,,,,",  # 2: counted
            f"{online[0]},,,,",  # 3: voted online
            f",{person[0]},{person[1]},{person[2]},",  # 4: the verified person, by identity
            f",{newcomer[0]},{newcomer[1].replace('-', '.')},{newcomer[2]},",  # 5: counted (dotted date)
            f"off-{run}-paper-1,,,,",  # 6: same citizen as line 2
            "too,few,fields",  # 7: malformed
            f",이름만{run},,,",  # 8: malformed (missing birth date and phone)
            f",{newcomer[0]}2,1990-13-45,010-1234-5678,",  # 9: malformed date
            f",{newcomer[0]}3,1990-01-01,12,",  # 10: malformed phone (the provider refuses it)
            f"off-{run}-paper-2,,,,yes",  # 11: a support ballot takes no choice
            "",  # blank lines are skipped
            f"off-{run}-paper-3,,,,",  # 13: counted
        ]
    ).encode()

    citizen = await gw.citizen()
    assert (await _upload(gw, pid, citizen.token, csv_text))[0] == 403

    status, report = await _upload(gw, pid, operator.token, csv_text)
    assert status == 201, report
    assert report["import_id"] == hashlib.sha256(csv_text).hexdigest()
    assert report["replayed"] is False
    assert report["lines"] == 11
    assert report["accepted"] == 3
    by_line = {r["line"]: r["reason"] for r in report["rejects"]}
    assert by_line == {
        3: "already_voted",
        4: "already_voted",
        6: "duplicate_in_file",
        7: "malformed",
        8: "malformed",
        9: "malformed",
        10: "malformed",
        11: "invalid_choice",
    }, report["rejects"]
    assert report["rejected"] == 8
    assert all(r["message"] for r in report["rejects"])

    # The same file again, this time as a multipart upload: the first report, nothing counted twice.
    status, again = await _upload(gw, pid, operator.token, csv_text, multipart=True)
    assert status == 200, again
    assert again["replayed"] is True
    assert {k: again[k] for k in ("import_id", "accepted", "rejected", "rejects")} == {
        k: report[k] for k in ("import_id", "accepted", "rejected", "rejects")
    }
    fetched = await gw.ok("GET", f"/api/items/{pid}/offline-ballots/{report['import_id']}", operator)
    assert fetched["accepted"] == 3

    tally = await eventually(lambda: _when_total(gw, pid, 6), timeout=60, what="tally counts online and offline votes")
    assert tally["total"] == 6
    assert await _ledger_channels(cluster, infra, pid) == {"online": 3, "offline": 3}

    # The newcomer voted on paper: their online support afterwards is refused.
    newcomer_online = await gw.citizen(identity=newcomer)
    refused = await gw.req("POST", f"/api/proposals/{pid}/support", newcomer_online)
    assert (refused.status, refused.body["error"]["code"]) == (409, "already_voted")
    assert (await _tally(gw, pid) or {})["total"] == 6


async def test_offline_import_of_many_lines_is_batched_and_exact(cluster: Cluster, gw: Gateway, infra: Any) -> None:
    pid = await _new_item(gw, "현장 공감 이만 건을 한 번에 들여옵니다")
    operator = await gw.staff("operator")
    run = os.urandom(3).hex()
    # Some of them also voted online before the import.
    online = [f"big-{run}-{i:06d}" for i in range(0, BIG_IMPORT, 1000)]
    for key in online:
        assert (await gw.req("POST", f"/api/proposals/{pid}/support", _token(cluster, key))).status == 201
    lines = ["citizen_key"] + [f"big-{run}-{i:06d}" for i in range(BIG_IMPORT)]
    body = ("\n".join(lines) + "\n").encode()

    started = time.monotonic()
    status, report = await _upload(gw, pid, operator.token, body)
    took = time.monotonic() - started
    assert status == 201, report
    assert report["accepted"] == BIG_IMPORT - len(online)
    assert report["reasons"] == {"already_voted": len(online)}
    assert {r["line"] for r in report["rejects"]} == {i + 2 for i in range(0, BIG_IMPORT, 1000)}
    print(f"\n[offline import] {BIG_IMPORT:,} lines answered in {took:.1f}s")

    tally = await eventually(
        lambda: _when_total(gw, pid, BIG_IMPORT), timeout=300, what="the ledger writer recorded the batch"
    )
    assert tally["total"] == BIG_IMPORT
    status, again = await _upload(gw, pid, operator.token, body)
    assert (status, again["replayed"], again["accepted"]) == (200, True, report["accepted"])
    assert sum((await _ledger_channels(cluster, infra, pid)).values()) == BIG_IMPORT


async def _when_total(gw: Gateway, pid: str, n: int) -> dict[str, Any] | None:
    t = await _tally(gw, pid)
    return t if t is not None and t["total"] >= n else None
