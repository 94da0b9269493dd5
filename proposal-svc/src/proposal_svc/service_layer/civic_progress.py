"""review-svc's committee and execution steps on a proposal: each on its public timeline, and the
item's civic stage (committee → decision → execution → executed) on its page and in lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongnon_chassis.store import Tx
from gongnon_contracts import EventData
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain.civic_steps import civic_step


@dataclass
class CivicProgress:
    proposals: ProposalRepository

    async def step(self, tx: Tx, ev: EventData, sent_at: datetime) -> bool:
        found = civic_step(ev, sent_at)
        if found is None:
            return False
        entry, fields = found
        return await self.proposals.record_civic(tx, entry.item_id, fields, entry)
