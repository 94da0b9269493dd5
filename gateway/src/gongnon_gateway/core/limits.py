"""Rate limits on people's routes, in Redis, so that every gateway replica counts together.

- Windows: the `limits` library's moving window (its Lua scripts, one round trip per limit),
  through redis-py on the gateway's own connection pool. Per client IP and per account for
  login, registration and identity checks; per account for opening items (proposals, debates,
  consultations), comments and flags. A refused attempt is not counted.
- A growing lock-out after failures (a wrong password; a refused identity check), per account:
  `failures_before_lock` are answered as such, then every attempt, the right password included,
  is refused until a lock of `lock_base_s` passes; each further failure doubles it, up to
  `lock_max_s`. Attempts refused while locked do not lengthen the lock, and the cap bounds how
  long anyone (one IP whose own limit still lets it through, say) can keep an account locked. A
  success forgets the failures.

Every refusal is 429 `rate_limited` with Retry-After. Keys are named after the gateway's
database (several platforms may share one Redis); accounts appear there only as hashes.
API keys have their own limits (key_limits.py); votes have none here (one person, one vote)."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gongnon_chassis.errors import Refusal, TooMany, Unavailable
from gongnon_gateway.core.accounts import Account, Accounts, normalize_email
from gongnon_gateway.core.edge_settings import EdgeSettings
from gongnon_gateway.core.identity import IdentityClaim

T = TypeVar("T")

PREFIX = "gongnon:{db}:limits"

# KEYS: failures, lock. ARGV: failures before the lock, base ms, max ms, memory ms. Counts one
# failure and returns the lock it sets in ms (0: none yet); a shorter lock never replaces a longer.
_FAILED = """
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = n - tonumber(ARGV[1])
if over < 0 then return 0 end
local ms = tonumber(ARGV[3])
if over < 40 then ms = math.min(ms, tonumber(ARGV[2]) * 2 ^ over) end
ms = math.floor(ms)
if redis.call('PTTL', KEYS[2]) < ms then redis.call('SET', KEYS[2], n, 'PX', ms) end
return ms
"""


class Throttled(TooMany):
    """429 `rate_limited` with Retry-After."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int, rule: str) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s, "limit": rule})
        self.headers = {"Retry-After": str(retry_after_s)}


def client_key(host: str | None) -> str:
    """The address a per-IP limit counts: IPv6 by its /64 (one subscriber's usual share)."""
    if not host:
        return "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _hashed(who: str) -> str:
    return hashlib.sha256(who.encode()).hexdigest()[:32]


class PeopleLimits:
    def __init__(self, redis: Redis, db_name: str, settings: EdgeSettings) -> None:
        self._redis = redis
        self._prefix = PREFIX.format(db=db_name)
        # The URL only names the scheme: the connections are the gateway's own pool.
        pool: dict[str, Any] = {"connection_pool": redis.connection_pool}
        storage = RedisStorage("async+redis://", implementation="redispy", key_prefix=self._prefix, **pool)
        self._windows = MovingWindowRateLimiter(storage)
        self._rules = settings.rules()
        self._settings = settings
        self._failed = redis.register_script(_FAILED)

    async def hit(self, rule: str, who: str) -> None:
        """Count one attempt under the rule; Throttled when one of its windows is full. A
        connection Redis dropped (a restart) is tried once more on a fresh one; Redis still
        unreachable: 503, not an unhandled error."""
        for attempt in (1, 2):
            try:
                return await self._hit(rule, who)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                if attempt == 2:
                    raise Unavailable("rate limits are unavailable; try again shortly") from exc

    async def _hit(self, rule: str, who: str) -> None:
        key = _hashed(who)
        for item in self._rules[rule]:
            if not await self._windows.hit(item, rule, key):
                stats = await self._windows.get_window_stats(item, rule, key)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise Throttled(f"too many attempts ({item}); try again in {wait} s", wait, f"{rule}: {item}")

    # -- failures and the growing lock-out ----------------------------------------------------

    def _keys(self, scope: str, who: str) -> list[str]:
        h = _hashed(who)
        return [f"{self._prefix}:failures:{scope}:{h}", f"{self._prefix}:lock:{scope}:{h}"]

    async def check_lock(self, scope: str, who: str) -> None:
        ms = int(await self._redis.pttl(self._keys(scope, who)[1]))
        if ms > 0:
            wait = max(1, math.ceil(ms / 1000))
            raise Throttled(f"too many failed attempts; try again in {wait} s", wait, f"{scope}: growing lock-out")

    async def failed(self, scope: str, who: str) -> int:
        """Count a failure; the lock it set in ms (0: none)."""
        s = self._settings
        args = [s.failures_before_lock, s.lock_base_s * 1000, s.lock_max_s * 1000, s.failure_memory_s * 1000]
        return int(await self._failed(keys=self._keys(scope, who), args=args))

    async def succeeded(self, scope: str, who: str) -> None:
        await self._redis.delete(*self._keys(scope, who))

    async def guarded(
        self, scope: str, who: str, attempt: Callable[[], Awaitable[T]], failure: Callable[[Refusal], bool]
    ) -> T:
        """Run the attempt unless `who` is locked out; count its failures, forget them on success."""
        await self.check_lock(scope, who)
        try:
            result = await attempt()
        except Refusal as exc:
            if failure(exc):
                await self.failed(scope, who)
            raise
        await self.succeeded(scope, who)
        return result


_LOGIN_FAILURES = frozenset({"invalid_credentials"})
# Refusals of the claim itself; "already_verified" too, or one account could probe whose identity
# is taken without end.
_VERIFY_FAILURES = frozenset({"identity_invalid", "already_verified"})


class Guard:
    """Login, registration and identity checks of one request, under the limits of its client
    address and of the account tried."""

    def __init__(self, limits: PeopleLimits, accounts: Accounts, client: str) -> None:
        self._limits = limits
        self._accounts = accounts
        self.client = client

    async def login(self, email: str, password: str) -> Account:
        await self._limits.hit("login_ip", self.client)
        return await self._limits.guarded(
            "login",
            normalize_email(email),
            lambda: self._accounts.authenticate(email, password),
            lambda exc: exc.code in _LOGIN_FAILURES,
        )

    async def register(self, email: str, password: str, display_name: str) -> Account:
        await self._limits.hit("register_ip", self.client)
        await self._limits.hit("register_email", normalize_email(email))
        return await self._accounts.register(email, password, display_name)

    async def verify(self, account_id: str, claim: IdentityClaim) -> Account:
        await self._limits.hit("verify_ip", self.client)
        await self._limits.hit("verify_account", account_id)
        return await self._limits.guarded(
            "verify",
            account_id,
            lambda: self._accounts.verify_identity(account_id, claim),
            lambda exc: exc.code in _VERIFY_FAILURES,
        )
