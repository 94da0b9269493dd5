"""Who a broadcast reaches. Followers are the author and everyone who voted; a broadcast about a
moment reaches exactly the followers who followed by that moment, whatever order the events
arrive in (votes and milestones travel on different topics)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notify_svc.domain.messages import Message


class FollowReason(StrEnum):
    AUTHOR = "author"
    SUPPORTER = "supporter"  # a 공감 on a proposal
    VOTER = "voter"  # any other vote on the item (debate, decision)
    FOLLOWER = "follower"  # followed it explicitly (proposal.followed)


@dataclass(frozen=True)
class Follower:
    account_id: str
    since: datetime


@dataclass(frozen=True)
class FollowWish:
    """Someone starting (or widening) their follow of an item."""

    item_id: str
    account_id: str
    since: datetime
    reasons: frozenset[FollowReason]
    agency: str


def merge_wishes(wishes: Iterable[FollowWish]) -> list[FollowWish]:
    """One wish per (item, account), from the earliest moment, with every reason; the times as
    MongoDB stores them, so whoever reads them back decides the same."""
    merged: dict[tuple[str, str], FollowWish] = {}
    for w in wishes:
        w = FollowWish(w.item_id, w.account_id, as_stored(w.since), w.reasons, w.agency)
        had = merged.get((w.item_id, w.account_id))
        if had is not None:
            w = FollowWish(w.item_id, w.account_id, min(had.since, w.since), had.reasons | w.reasons, had.agency)
        merged[(w.item_id, w.account_id)] = w
    return list(merged.values())


@dataclass(frozen=True)
class Broadcast:
    """One thing that happened to an item, to be told to its followers once each.

    `id` is a natural key of the happening (not the event id), so the same happening re-sent
    under a new event id is still told once."""

    id: str
    event_id: str
    item_id: str
    agency: str
    kind: str
    at: datetime
    message: Message


@dataclass(frozen=True)
class Notification:
    broadcast_id: str
    event_id: str
    account_id: str
    item_id: str
    agency: str
    kind: str
    title: str
    body: str
    at: datetime
    # How e-mail and SMS write it in the recipient's language (see domain/templates.py).
    template: str = ""
    params: tuple[tuple[str, str], ...] = ()
    # Addressed to this person for their role (a reminder to an officer), not news of an item they
    # follow: never folded into a digest.
    direct: bool = False


def as_stored(t: datetime) -> datetime:
    """The instant as MongoDB keeps it: BSON dates hold whole milliseconds (pymongo truncates)."""
    return t.replace(microsecond=t.microsecond - t.microsecond % 1000)


def reaches(follower_since: datetime, broadcast_at: datetime) -> bool:
    """A follower hears of what happened at or after they started following (a supporter whose
    vote was counted toward a milestone hears of that milestone).

    Compared as stored: one side may come fresh from an event (microseconds) and the other from
    MongoDB (milliseconds). A milestone's reached_at is the tally's as_of, i.e. the newest vote's
    cast_at cut to milliseconds, so comparing raw would drop the very vote that reached it."""
    return as_stored(follower_since) <= as_stored(broadcast_at)


def notifications_for(broadcast: Broadcast, followers: Iterable[Follower]) -> list[Notification]:
    return [
        Notification(
            broadcast_id=broadcast.id,
            event_id=broadcast.event_id,
            account_id=f.account_id,
            item_id=broadcast.item_id,
            agency=broadcast.agency,
            kind=broadcast.kind,
            title=broadcast.message.title,
            body=broadcast.message.body,
            at=broadcast.at,
            template=broadcast.message.template,
            params=broadcast.message.params,
        )
        for f in followers
        if reaches(f.since, broadcast.at)
    ]
