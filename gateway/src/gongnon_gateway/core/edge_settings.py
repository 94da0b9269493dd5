"""The gateway's edge settings, from the environment: which proxies are believed, where the docs and
metrics are served, and the rate limits on people's routes (core/limits.py; docs/security.md).

A limit is written in the notation of the `limits` library, several joined by `;`:
"60/minute;600/hour" allows 60 in any minute and 600 in any hour."""

from __future__ import annotations

from limits import RateLimitItem, parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The rules, by name (each a field below, set by its environment variable).
RULES = ("login_ip", "register_ip", "register_email", "verify_ip", "verify_account", "items", "comments", "flags")


class EdgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    # Proxies (IPs or networks, comma-separated; "*" for any) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. Empty: none, the peer's address is the client's.
    trusted_proxies: str = Field("", alias="GONGNON_TRUSTED_PROXIES")
    # Off: /docs, /redoc, /openapi.json and /metrics answer 404 on the public port.
    public_internals: bool = Field(True, alias="GONGNON_PUBLIC_INTERNALS")
    # When set, /metrics is also served on this port (same HOST), for a scraper inside the network.
    metrics_port: int = Field(0, alias="GONGNON_METRICS_PORT", ge=0, le=65535)

    # Per client IP: a whole office or a mobile carrier's NAT can share one address, so these are
    # far above what one person does.
    login_ip: str = Field("60/minute;600/hour", alias="GONGNON_LIMIT_LOGIN_PER_IP")
    register_ip: str = Field("20/minute;200/hour", alias="GONGNON_LIMIT_REGISTER_PER_IP")
    verify_ip: str = Field("20/minute;200/hour", alias="GONGNON_LIMIT_VERIFY_PER_IP")
    # Per account (the e-mail tried, or the signed-in account).
    register_email: str = Field("5/hour", alias="GONGNON_LIMIT_REGISTER_PER_EMAIL")
    verify_account: str = Field("5/minute;20/day", alias="GONGNON_LIMIT_VERIFY_PER_ACCOUNT")
    items: str = Field("10/hour;30/day", alias="GONGNON_LIMIT_ITEMS_PER_ACCOUNT")
    comments: str = Field("10/minute;300/day", alias="GONGNON_LIMIT_COMMENTS_PER_ACCOUNT")
    flags: str = Field("20/hour;100/day", alias="GONGNON_LIMIT_FLAGS_PER_ACCOUNT")

    # Wrong passwords (and refused identity checks) of one account: this many are answered as
    # such; then every attempt is refused for lock_base_s, doubling with each further failure
    # up to lock_max_s. Failures are forgotten failure_memory_s after the last, or at a success.
    failures_before_lock: int = Field(10, alias="GONGNON_FAILURES_BEFORE_LOCK", ge=1)
    lock_base_s: int = Field(60, alias="GONGNON_LOCK_BASE_S", ge=1)
    lock_max_s: int = Field(900, alias="GONGNON_LOCK_MAX_S", ge=1)
    failure_memory_s: int = Field(86_400, alias="GONGNON_FAILURE_MEMORY_S", ge=1)

    @field_validator(*RULES)
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_many(value)  # a typo stops the gateway at start, not at the first login
        return value

    def rules(self) -> dict[str, list[RateLimitItem]]:
        return {name: parse_many(getattr(self, name)) for name in RULES}

    @classmethod
    def rule_env(cls) -> dict[str, str]:
        """Each rule's environment variable."""
        return {name: str(cls.model_fields[name].alias) for name in RULES}

    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
