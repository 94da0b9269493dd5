"""The console's calls to the gateway's own API, in-process (ASGI), as the signed-in staff member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request

_BASE = "http://console.internal"


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> tuple[str, str]:
        """(code, message) of an error reply (the API's one error shape)."""
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            return str(err.get("code") or self.status), str(err.get("message") or "")
        return str(self.status), ""

    def items(self) -> list[dict[str, Any]]:
        items = self.body.get("items") if self.ok and isinstance(self.body, dict) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


class StaffApi:
    """One request's API client: the same routes, checks and errors as any client of /api."""

    def __init__(self, request: Request, token: str) -> None:
        self._app = request.app
        self._headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> ApiReply:
        transport = httpx.ASGITransport(app=self._app, client=("127.0.0.1", 0))
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        async with httpx.AsyncClient(transport=transport, base_url=_BASE, timeout=60) as client:
            r = await client.request(method, path, params=query, json=json, headers=self._headers)
        try:
            body: Any = r.json() if r.content else None
        except ValueError:
            body = r.text
        return ApiReply(r.status_code, body)

    async def get(self, path: str, **params: Any) -> ApiReply:
        return await self.call("GET", path, params=params)
