"""The deadline scan: expires rule windows and closes items whose support window ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from gongnon_chassis.runtime import Runtime
from proposal_svc import handlers
from proposal_svc.adapters.repository import ProposalRepository


def schedule_expiry(rt: Runtime, repo: ProposalRepository, grace: timedelta) -> Callable[[], Awaitable[int]]:
    async def scan() -> int:
        # Drain everything due now, a batch per query on the next-deadline index.
        total = 0
        while (done := await handlers.expire_due(repo, rt.store, grace)) > 0:
            total += done
        return total

    rt.every(rt.settings.scheduler_interval_s, scan, "expire-windows")
    return scan
