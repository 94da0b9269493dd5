"""A local SMTP server that keeps every message it accepts, in a process of its own:
`python -m gongnon_infra.smtp_sink --port P --maildir DIR` (`./dev up` and the test cluster run it).

It is aiosmtpd's SMTP server (a real SMTP conversation: EHLO, MAIL, RCPT, DATA, 8BITMIME,
SMTPUTF8) with a handler that writes each accepted message, as received, to `DIR/new/` as one
`.eml` file per recipient (written to `DIR/tmp/` first and renamed, so a reader never sees half a
message). Nothing is relayed anywhere.

For tests of failures, recipients are refused by their local part:
- `reject-…@…`: 550 (a permanent failure: the sender gives up on that address at once);
- `defer-…@…`: 451 the first time each address is tried, accepted afterwards (a retry succeeds)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

_seq = itertools.count()


class Keep:
    """aiosmtpd handler: refuse the test addresses, store everything else."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        for sub in ("tmp", "new"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.deferred: set[str] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject-"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("defer-") and address.lower() not in self.deferred:
            self.deferred.add(address.lower())
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            name = f"{time.time_ns()}-{os.getpid()}-{next(_seq):06d}.eml"
            head = f"X-Sink-Mail-From: {envelope.mail_from}\r\nX-Sink-Rcpt-To: {rcpt}\r\n".encode()
            tmp = self.maildir / "tmp" / name
            tmp.write_bytes(head + raw)
            tmp.rename(self.maildir / "new" / name)
        return "250 Message accepted"


def read_messages(maildir: Path) -> list[EmailMessage]:
    """Every stored message, oldest first, parsed (headers decoded, bodies as text)."""
    new = maildir / "new"
    if not new.is_dir():
        return []
    out: list[EmailMessage] = []
    for path in sorted(new.glob("*.eml")):
        msg: Any = message_from_bytes(path.read_bytes(), policy=policy.default)
        out.append(msg)
    return out


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = Keep(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="gongnon-smtp-sink"), host=host, port=port
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gongnon_infra.smtp_sink")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--maildir", type=Path, required=True, help="messages land in MAILDIR/new/*.eml")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.maildir))


if __name__ == "__main__":
    main()
