"""Sending e-mail over SMTP (aiosmtplib), configured by the environment: host, port, sender,
TLS (none / STARTTLS / implicit TLS), optional login. One connection per message: a refused or
slow address fails only its own message."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

import aiosmtplib

# Headers unfolded up to SMTP's line limit: Python's folder drops the space between two encoded
# words of a long Korean subject ("제안이 숨김" arrived as "제안이숨김").
WIRE = policy.SMTP.clone(max_line_length=998)


class SendFailed(Exception):
    """The message was not accepted; `code` is the SMTP reply code when the server gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Mailer(Protocol):
    async def send(self, *, to: str, subject: str, text: str, message_id: str, lang: str) -> None:
        """Send one message; raises SendFailed."""
        ...


@dataclass
class SmtpMailer:
    host: str
    port: int
    sender: str
    tls: str = "none"  # none | starttls | tls
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0

    async def send(self, *, to: str, subject: str, text: str, message_id: str, lang: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        # Stable per queued message: a receiver can drop the copy a retry after a lost reply sends.
        msg["Message-ID"] = make_msgid(idstring=message_id, domain="gongnon.local")
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text, charset="utf-8")
        msg["Content-Language"] = lang  # after set_content, which replaces the Content-* headers
        try:
            await aiosmtplib.send(
                msg.as_bytes(policy=WIRE),
                sender=parseaddr(self.sender)[1],
                recipients=[to],
                hostname=self.host,
                port=self.port,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                username=self.username or None,
                password=self.password or None,
                timeout=self.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            raise SendFailed(str(first or exc), first.code if first else None) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"{exc.code} {exc.message}", exc.code) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
