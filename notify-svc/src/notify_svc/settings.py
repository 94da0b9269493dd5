"""notify-svc's settings: the chassis settings plus which channels deliver notifications."""

from __future__ import annotations

from pydantic import Field

from gongnon_chassis.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    # The inbox is always on; e-mail and SMS are added per deployment, e.g. "inapp,email,sms".
    channels: str = Field("inapp", alias="NOTIFY_CHANNELS")

    def channel_names(self) -> list[str]:
        names = [n.strip().lower() for n in self.channels.split(",") if n.strip()]
        return ["inapp", *[n for n in dict.fromkeys(names) if n != "inapp"]]
