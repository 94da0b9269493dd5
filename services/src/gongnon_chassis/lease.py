"""A lease in the service's own database: at most one replica holds a named task at a time, and
the task moves to another replica when its holder dies.

One document per task in `leases`: {_id: name, holder, expires_at}. Taking and renewing are one
conditional update (compare-and-set): the document is set to this holder and a new expiry only
where it is this holder's or has expired; where neither, the upsert meets the existing _id and
fails with a duplicate key, which means "held by another". Time is the injectable clock's, so
replicas must keep their clocks close (NTP): the expiry is a date every replica compares with
its own now.

The holder renews every few seconds. It believes it holds the lease only until a margin before
the expiry it wrote, so a holder that can no longer renew (its database unreachable, its process
stalled) stops before anyone else may start. A clean stop gives the lease up at once."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from gongnon_chassis.clock import Clock

COLLECTION = "leases"
TTL_S = 10.0
RENEW_EVERY_S = 3.0
# How long before the expiry a holder stops believing it holds the lease: a renewal that is late
# by this much (a slow database, a paused process) must not let two replicas act at once.
MARGIN_S = 2.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def holder_id() -> str:
    """This process, unmistakably: host and pid for the people reading it, a random part so a
    restarted process with a recycled pid is never taken for its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        db: Any,
        name: str,
        clock: Clock,
        *,
        ttl_s: float = TTL_S,
        margin_s: float = MARGIN_S,
        holder: str | None = None,
    ) -> None:
        if not 0 <= margin_s < ttl_s:
            raise ValueError("the margin must be shorter than the lease")
        self._col = db[COLLECTION]
        self.name = name
        self.holder = holder or holder_id()
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)
        self._margin = timedelta(seconds=margin_s)
        self._until: datetime | None = None  # the expiry this holder last wrote; None: not ours

    def held(self) -> bool:
        """Ours, by what this process last wrote (no I/O: asked before every drain)."""
        return self._until is not None and self._clock.now() < self._until - self._margin

    async def acquire(self) -> bool:
        """Take the lease if it is free or expired, or renew it if it is ours: one conditional
        update. True when this process holds it now."""
        now = self._clock.now()
        until = now + self._ttl
        try:
            await self._col.find_one_and_update(
                {"_id": self.name, "$or": [{"holder": self.holder}, {"expires_at": {"$lte": now}}]},
                {"$set": {"holder": self.holder, "expires_at": until, "renewed_at": now}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            self._until = None  # another holder's, and not expired
            return False
        self._until = until
        return True

    async def ensure(self) -> bool:
        """Held now: renewed first if it was ours and its time ran short (a late renewal, a
        moved test clock). Another's lease is left to the periodic `acquire`."""
        if self.held():
            return True
        if self._until is None:
            return False
        return await self.acquire()

    async def release(self) -> None:
        """Give the lease up (a clean stop): the next replica takes it without waiting for it to expire."""
        self._until = None
        await self._col.update_one({"_id": self.name, "holder": self.holder}, {"$set": {"expires_at": _EPOCH}})
