"""The sender: takes queued e-mail and SMS whose time has come, writes each in the recipient's
language (their preference when sent), sends it, and records the attempt on the message:
attempts, last_error, delivered_at; a failure is tried again with growing waits
(domain/delivery.after_attempt), a permanent refusal (SMTP 5xx) is given up at once. Messages are
sent side by side, each on its own connection, so one failing or slow address holds up nobody else.

A digest message (domain/delivery.schedule_mail) comes due at the end of its period and goes out
as one e-mail with every pending message of that account and period.

It stops cleanly: a stop lets the round in progress finish recording what it sent, so a restart
neither loses nor repeats a message (a crash mid-send may repeat one; its Message-ID stays the same)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gongnon_chassis.clock import Clock
from notify_svc.adapters.contacts import ContactRepository, PreferenceRepository
from notify_svc.adapters.mailer import Mailer, SendFailed
from notify_svc.adapters.outgoing import OutgoingRepository
from notify_svc.adapters.sms import SmsProvider
from notify_svc.domain import templates
from notify_svc.domain.delivery import Mode, after_attempt
from notify_svc.webhooks.backoff import RetryPolicy

log = logging.getLogger(__name__)

Doc = dict[str, Any]
BATCH = 50
CONCURRENCY = 8
STOP_GRACE_S = 20.0


def rendered_of(d: Doc, lang: str) -> templates.Rendered:
    """The message in this language; a message queued before templates existed as it was stored."""
    if d.get("template") in templates.TEMPLATES:
        return templates.render(d["template"], d.get("params") or {}, lang)
    return templates.Rendered(d.get("title", ""), d.get("body", ""))


@dataclass
class Sender:
    outgoing: OutgoingRepository
    contacts: ContactRepository
    preferences: PreferenceRepository
    mailer: Mailer
    sms: SmsProvider
    clock: Clock
    policy: RetryPolicy
    site_url: str
    poll_s: float = 1.0
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    async def run_once(self) -> int:
        """Send what is due now; returns how many messages were handled."""
        now = self.clock.now()
        due = await self.outgoing.claim_due(now, BATCH)
        if not due:
            return 0
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(d: Doc) -> None:
            async with gate:
                try:
                    await self._send(d, now)
                except Exception:  # recorded nothing: the claim runs out and it comes again
                    log.warning("sending %s failed unexpectedly", d["_id"], exc_info=True)

        await asyncio.gather(*(one(d) for d in due))
        return len(due)

    async def _send(self, d: Doc, now: datetime) -> None:
        account = d["account_id"]
        prefs = await self.preferences.get(account)
        lang = templates.language_of(prefs.language)
        channel = d["channel"]
        if not prefs.wants(channel):
            await self.outgoing.skip([d["_id"]], f"{channel} turned off", now)
            return
        if channel == "sms":
            assert prefs.sms_number is not None
            text = templates.sms_text(rendered_of(d, lang), lang)
            await self._attempt(
                [d], now, prefs.sms_number, self.sms.send(to=prefs.sms_number, text=text, message_id=d["_id"], at=now)
            )
            return
        contact = await self.contacts.get(account)
        if contact is None or not contact.email:
            await self.outgoing.skip([d["_id"]], "no e-mail address", now)
            return
        group = [d]
        if d.get("mode") == Mode.DIGEST.value:
            group = await self.outgoing.digest_group(d, now)
            entries = [
                templates.DigestEntry(g["item_id"], r.title, r.body, g["at"])
                for g in group
                for r in [rendered_of(g, lang)]
            ]
            mail = templates.digest_mail(entries, lang, self.site_url, d["period_start"])
        else:
            mail = templates.mail(rendered_of(d, lang), lang, templates.item_url(self.site_url, d["item_id"]))
        sending = self.mailer.send(
            to=contact.email, subject=mail.subject, text=mail.text, message_id=d["_id"], lang=lang
        )
        await self._attempt(group, now, contact.email, sending)

    async def _attempt(self, group: Sequence[Doc], now: datetime, address: str, sending: Any) -> None:
        error: str | None = None
        code: int | None = None
        try:
            await sending
        except SendFailed as exc:
            error, code = str(exc), exc.code
        outcome = after_attempt(
            attempts_before=max(int(g.get("attempts") or 0) for g in group),
            error=error,
            code=code,
            now=now,
            max_attempts=self.policy.max_attempts,
            base_s=self.policy.base_s,
            cap_s=self.policy.cap_s,
        )
        if error:
            log.info("sending %s to %s failed (%s): %s", group[0]["_id"], address, outcome.status.value, error)
        await self.outgoing.record([g["_id"] for g in group], outcome, now, address)

    # -- the background loop ---------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE_S)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.warning("the sender's round failed; trying again", exc_info=True)
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll_s)
