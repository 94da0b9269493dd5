"""Sending one delivery: a signed POST with its own time budget, over a connection pool that
belongs to one lane (a slow or dead receiver holds only its own subscription's connections).

Targets on loopback, private, link-local or otherwise reserved addresses are refused unless the
deployment allows them: checked when a subscription is made (address literals, `localhost`) and
again at every connection, on the addresses the name resolves to (DNS may change)."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from notify_svc.webhooks import signing

USER_AGENT = "Gongnon-Webhooks/1"
ERROR_CHARS = 200


class TargetRefused(ValueError):
    """A webhook URL the platform will not call."""


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str, allow_private: bool) -> str:
    """The URL as given if the platform may call it; TargetRefused (with the reason) otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise TargetRefused("the URL must not carry credentials")
    try:
        _ = parts.port
    except ValueError as exc:
        raise TargetRefused("the URL's port is not valid") from exc
    if allow_private:
        return url
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise TargetRefused("loopback addresses are not allowed as webhook targets")
    try:
        literal = _private(host)
    except ValueError:
        return url  # a name: its addresses are checked at each connection
    if literal:
        raise TargetRefused("private and reserved addresses are not allowed as webhook targets")
    return url


class PublicOnlyResolver(AbstractResolver):
    """Resolves names like aiohttp's default resolver, dropping non-public addresses."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = [r for r in await self._inner.resolve(host, port, family) if not _private(r["host"])]
        if not found:
            raise OSError(f"{host} resolves only to private or reserved addresses")
        return found

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None


class Sender:
    """One lane's HTTP client."""

    def __init__(self, timeout_s: float, max_connections: int, allow_private: bool) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, 3.0))
        self._max_connections = max_connections
        self._allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                resolver=None if self._allow_private else PublicOnlyResolver(),
                keepalive_timeout=4.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, skip_auto_headers=("User-Agent",)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, secret: str, event_id: str, timestamp: int, body: bytes) -> Attempt:
        headers: dict[str, Any] = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(secret, event_id, timestamp, body),
        }
        start = time.perf_counter()
        try:
            check_url(url, self._allow_private)  # address literals skip the resolver
            async with self._open().post(url, data=body, headers=headers, allow_redirects=False) as resp:
                await resp.read()
                ms = (time.perf_counter() - start) * 1000
                ok = 200 <= resp.status < 300
                return Attempt(ok, resp.status, round(ms, 2), None if ok else f"HTTP {resp.status}")
        except TimeoutError:
            return Attempt(False, None, round((time.perf_counter() - start) * 1000, 2), "timed out")
        except (aiohttp.ClientError, OSError, TargetRefused) as exc:
            text = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
            return Attempt(False, None, round((time.perf_counter() - start) * 1000, 2), text)
