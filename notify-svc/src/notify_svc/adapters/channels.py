"""Delivery channels behind one interface, each handed notifications inside the transaction that
decided them. The in-app inbox stores them; e-mail and SMS queue them (adapters/outgoing.py) for
the sender, which sends through SMTP and the SMS provider and records each attempt.

E-mail is queued only for accounts the platform can reach (their address came with
`account.created`) and who keep e-mail on; SMS only for those who turned it on with a number.
Whether an e-mail goes now or into a digest is decided here (domain/delivery.schedule_mail)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from gongnon_chassis.clock import Clock
from gongnon_chassis.keys import pair_key
from notify_svc.adapters.contacts import ContactRepository, PreferenceRepository
from notify_svc.adapters.inbox import Inbox
from notify_svc.adapters.outgoing import OutgoingRepository
from notify_svc.domain.audience import Notification
from notify_svc.domain.delivery import Mode, Schedule, schedule_mail

Doc = dict[str, Any]
# The item's follower count, in the transaction (for the digest decision).
FollowersOf = Callable[[str, AsyncClientSession], Awaitable[int]]


class Channel(Protocol):
    name: str

    async def ensure_indexes(self) -> None: ...

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        """Deliver each notification at most once, however often it is handed over."""
        ...


class QueuedChannel:
    """E-mail or SMS: one queued message per (channel, happening, account) for those who can and
    want to receive it on this channel."""

    def __init__(
        self,
        name: str,
        outgoing: OutgoingRepository,
        contacts: ContactRepository,
        preferences: PreferenceRepository,
        followers_of: FollowersOf,
        digest_followers: int,
        clock: Clock,
    ) -> None:
        self.name = name
        self._clock = clock
        self._outgoing = outgoing
        self._contacts = contacts
        self._preferences = preferences
        self._followers_of = followers_of
        self._digest_followers = digest_followers

    async def ensure_indexes(self) -> None:
        await self._outgoing.ensure_indexes()

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        if not notes:
            return
        accounts = {n.account_id for n in notes}
        prefs = await self._preferences.get_many(accounts, session)
        if self.name == "email":
            known = await self._contacts.get_many(accounts, session)
            reachable = {a for a in known if prefs[a].wants("email")}
        else:
            reachable = {a for a, p in prefs.items() if p.wants(self.name)}
        chosen = [n for n in notes if n.account_id in reachable]
        if not chosen:
            return
        followers: dict[str, int] = {}
        for item_id in {n.item_id for n in chosen if not n.direct}:
            followers[item_id] = await self._followers_of(item_id, session)
        queued: list[tuple[Notification, Schedule]] = []
        for n in chosen:
            schedule = schedule_mail(
                direct=n.direct,
                prefs=prefs[n.account_id],
                item_followers=followers.get(n.item_id, 0),
                threshold=self._digest_followers,
                now=n.at,
            )
            if self.name != "email" and schedule.mode == Mode.DIGEST:
                continue  # digests are e-mail only: no SMS for news that is being collected
            if schedule.mode == Mode.NOW:
                # Due at once (a happening stamped a moment ahead of this clock must not wait).
                schedule = Schedule(Mode.NOW, min(schedule.send_at, self._clock.now()))
            queued.append((n, schedule))
        await self._outgoing.enqueue(self.name, queued, session)


class Mutes:
    """Items a person stopped following (`proposal.unfollowed`): nothing more about them reaches
    that person as a follower, whatever made them one (author, supporter, follower)."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._col = db.mutes

    async def mute(self, item_id: str, account_id: str, at: Any, session: AsyncClientSession) -> None:
        key = pair_key(item_id, account_id)
        await self._col.update_one(
            {"_id": key},
            {"$set": {"item_id": item_id, "account_id": account_id, "at": at}},
            upsert=True,
            session=session,
        )

    async def unmute(self, item_id: str, account_id: str, session: AsyncClientSession) -> None:
        await self._col.delete_one({"_id": pair_key(item_id, account_id)}, session=session)

    async def muted(self, notes: Sequence[Notification], session: AsyncClientSession) -> set[tuple[str, str]]:
        keys = sorted({pair_key(n.item_id, n.account_id) for n in notes if not n.direct})
        if not keys:
            return set()
        docs = await self._col.find({"_id": {"$in": keys}}, session=session).to_list(None)
        return {(d["item_id"], d["account_id"]) for d in docs}


class MutedChannels:
    """The channels, minus what muted followers must not be told (one look-up per hand-over)."""

    name = "channels"

    def __init__(self, channels: Sequence[Channel], mutes: Mutes) -> None:
        self.channels = list(channels)
        self._mutes = mutes

    async def ensure_indexes(self) -> None:
        for c in self.channels:
            await c.ensure_indexes()

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        if not notes:
            return
        muted = await self._mutes.muted(notes, session)
        kept = [n for n in notes if n.direct or (n.item_id, n.account_id) not in muted] if muted else list(notes)
        for c in self.channels:
            await c.deliver(kept, session)


def build_channels(
    db: AsyncDatabase[Doc],
    names: Sequence[str],
    *,
    outgoing: OutgoingRepository,
    contacts: ContactRepository,
    preferences: PreferenceRepository,
    followers_of: FollowersOf,
    digest_followers: int,
    clock: Clock,
) -> list[Channel]:
    def queued(name: str) -> Callable[[], Channel]:
        return lambda: QueuedChannel(name, outgoing, contacts, preferences, followers_of, digest_followers, clock)

    known: dict[str, Callable[[], Channel]] = {
        "inapp": lambda: Inbox(db),
        "email": queued("email"),
        "sms": queued("sms"),
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown notification channels: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n]() for n in names]
