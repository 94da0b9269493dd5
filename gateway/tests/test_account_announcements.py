"""Accounts announced to notify-svc (`account.created` on gongnon.accounts, through the gateway's
outbox), and a person's notification settings forwarded to notify-svc as themselves (issue 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.store import outbox_envelopes

NAME = "gateway-test-accounts"


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, NAME, urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


async def announced(app: FastAPI, account_id: str) -> list[dict[str, Any]]:
    db = app.state.gateway.runtime.db
    return await outbox_envelopes(db, key=account_id, type="account.created")


async def test_a_new_account_is_announced_once_with_its_contact(
    app: FastAPI, client: httpx.AsyncClient, kit: Any
) -> None:
    token = await kit.register_and_login(client, "announce@example.org", name="알림시민")
    me = (await client.get("/api/me", headers=kit.bearer(token))).json()
    account_id = me["id"]
    (event,) = await announced(app, account_id)
    assert event["data"]["email"] == "announce@example.org"
    assert event["data"]["role"] == "citizen"
    assert event["data"]["display_name"] == "알림시민"
    assert event["subject"] == account_id
    doc = await app.state.gateway.runtime.db.accounts.find_one({"_id": account_id})
    assert doc["announced"] is True


async def test_accounts_from_before_are_announced_once(app: FastAPI) -> None:
    """What the gateway runs at start-up (bootstrap: prepare) for accounts made before announcing."""
    db = app.state.gateway.runtime.db
    legacy = {
        "_id": "acc_legacy_1",
        "email": "legacy@example.org",
        "password_hash": "x",
        "display_name": "예전 계정",
        "role": "officer",
        "agency": "seoul",
        "department_id": "dept-welfare",
        "citizen_key": None,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "verified_at": None,
    }
    await db.accounts.insert_one(legacy)
    assert await announced(app, "acc_legacy_1") == []
    accounts = app.state.gateway.accounts
    assert await accounts.announce_earlier_accounts() == 1
    (event,) = await announced(app, "acc_legacy_1")
    assert event["data"]["department_id"] == "dept-welfare"
    assert event["data"]["role"] == "officer"
    assert await accounts.announce_earlier_accounts() == 0  # once
    assert len(await announced(app, "acc_legacy_1")) == 1


async def test_preferences_are_forwarded_as_yourself(client: httpx.AsyncClient, services: Any, kit: Any) -> None:
    reply = {"email": True, "sms": False, "sms_number": None, "language": "en", "digest": "auto", "email_address": None}
    services.on("PUT", "/preferences", (200, reply))
    token = await kit.register_and_login(client, "prefs@example.org")
    r = await client.put("/api/me/notification-preferences", json={"language": "en"}, headers=kit.bearer(token))
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "en"
    (call,) = services.calls("PUT", "/preferences")
    assert call.json() == {"language": "en"}
    assert call.actor().role == "citizen"
    bad = await client.put("/api/me/notification-preferences", json={"language": "fr"}, headers=kit.bearer(token))
    assert bad.status_code == 422
    unknown = await client.put("/api/me/notification-preferences", json={"account_id": "x"}, headers=kit.bearer(token))
    assert unknown.status_code == 422  # nobody else's: there is no field to name another account
    assert (await client.get("/api/me/notification-preferences")).status_code == 401
