"""notify-svc's settings: the chassis settings plus which channels deliver notifications and how
webhooks are delivered."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

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

    # E-mail through SMTP (the e-mail channel): where to, as whom, and how the connection is secured
    # ("none", "starttls" or "tls"). ./dev up and the test cluster point it at the local SMTP sink.
    smtp_host: str = Field("127.0.0.1", alias="SMTP_HOST")
    smtp_port: int = Field(8025, alias="SMTP_PORT", ge=1, le=65535)
    smtp_from: str = Field("Gongnon 공론 <noreply@gongnon.local>", alias="SMTP_FROM")
    smtp_tls: Literal["none", "starttls", "tls"] = Field("none", alias="SMTP_TLS")
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: str = Field("", alias="SMTP_PASSWORD", repr=False)
    smtp_timeout_s: float = Field(10.0, alias="SMTP_TIMEOUT_S", gt=0, le=120)
    # The development SMS provider (the sms channel) appends one JSON line per message here.
    sms_file: str = Field(str(Path(tempfile.gettempdir()) / "gongnon-sms.jsonl"), alias="NOTIFY_SMS_FILE")
    # The public site, for links to items in e-mail and SMS.
    site_url: str = Field("http://127.0.0.1:8080", alias="NOTIFY_SITE_URL")
    # How often the sender looks for e-mail and SMS due to go out, and how it retries a failure.
    send_poll_s: float = Field(1.0, alias="NOTIFY_SEND_POLL_S", gt=0, le=60)
    send_max_attempts: int = Field(8, alias="NOTIFY_SEND_MAX_ATTEMPTS", ge=1, le=50)
    send_backoff_base_s: float = Field(0.0, alias="NOTIFY_SEND_BACKOFF_BASE_S", ge=0)
    send_backoff_cap_s: float = Field(0.0, alias="NOTIFY_SEND_BACKOFF_CAP_S", ge=0)
    # An item with at least this many followers: its followers' e-mail about it comes as one
    # digest per hour instead of one e-mail per event (a flood at thousands of followers).
    digest_followers: int = Field(1000, alias="NOTIFY_DIGEST_FOLLOWERS", ge=1)

    def send_policy(self) -> RetryPolicy:
        """Waits of 1, 2, 4 … 600 s (test mode: 0.2 … 2 s) between attempts of one message."""
        base, cap = (0.2, 2.0) if self.test_mode else (1.0, 600.0)
        return RetryPolicy(
            max_attempts=self.send_max_attempts,
            base_s=self.send_backoff_base_s or base,
            cap_s=self.send_backoff_cap_s or cap,
        )

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
