"""notify-svc's settings: the chassis settings plus which channels deliver notifications and how
webhooks are delivered."""

from __future__ import annotations

from pydantic import Field

from gongnon_chassis.settings import ServiceSettings
from notify_svc.webhooks.backoff import RetryPolicy


class NotifySettings(ServiceSettings):
    # The inbox is always on; e-mail and SMS are added per deployment, e.g. "inapp,email,sms".
    channels: str = Field("inapp", alias="NOTIFY_CHANNELS")

    # Webhooks. 0 means the default: production values, or small ones in test mode, so tests see
    # retries and dead letters within seconds.
    webhook_max_attempts: int = Field(0, alias="WEBHOOK_MAX_ATTEMPTS", ge=0, le=100)
    webhook_backoff_base_s: float = Field(0.0, alias="WEBHOOK_BACKOFF_BASE_S", ge=0)
    webhook_backoff_cap_s: float = Field(0.0, alias="WEBHOOK_BACKOFF_CAP_S", ge=0)
    # Each request's whole budget: a receiver slower than this failed the attempt.
    webhook_timeout_s: float = Field(5.0, alias="WEBHOOK_TIMEOUT_S", gt=0, le=60)
    # Requests one subscription has on their way at once (different items; one item's in order).
    webhook_lane_concurrency: int = Field(32, alias="WEBHOOK_LANE_CONCURRENCY", ge=1, le=512)
    # Loopback and private addresses as webhook targets: refused unless allowed (tests, benches,
    # a deployment whose agencies sit on an internal network). Always allowed in test mode.
    webhook_allow_private: bool = Field(False, alias="WEBHOOK_ALLOW_PRIVATE")

    def channel_names(self) -> list[str]:
        names = [n.strip().lower() for n in self.channels.split(",") if n.strip()]
        return ["inapp", *[n for n in dict.fromkeys(names) if n != "inapp"]]

    def retry_policy(self) -> RetryPolicy:
        if self.test_mode:
            defaults = RetryPolicy(max_attempts=6, base_s=0.2, cap_s=2.0)
        else:  # waits of at most 1, 2, 4 … 256, 300 s: a dead letter within 14 minutes (7 on average)
            defaults = RetryPolicy(max_attempts=10, base_s=1.0, cap_s=300.0)
        return RetryPolicy(
            max_attempts=self.webhook_max_attempts or defaults.max_attempts,
            base_s=self.webhook_backoff_base_s or defaults.base_s,
            cap_s=self.webhook_backoff_cap_s or defaults.cap_s,
        )

    def private_targets_allowed(self) -> bool:
        return self.webhook_allow_private or self.test_mode
