"""SMS behind one interface. This deployment's provider is the development one: each message is
appended as one JSON line to a local file (NOTIFY_SMS_FILE), which people and tests read. A real
gateway (a carrier's or an aggregator's HTTP API) is another SmsProvider."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from notify_svc.adapters.mailer import SendFailed


class SmsProvider(Protocol):
    async def send(self, *, to: str, text: str, message_id: str, at: datetime) -> None:
        """Send one SMS; raises SendFailed."""
        ...


@dataclass
class FileSmsProvider:
    path: Path

    async def send(self, *, to: str, text: str, message_id: str, at: datetime) -> None:
        line = json.dumps({"id": message_id, "to": to, "text": text, "at": at.isoformat()}, ensure_ascii=False)
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as exc:
            raise SendFailed(f"cannot write {self.path}: {exc}") from exc

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
