"""The deadline scan: expires rule windows that passed without their threshold and closes
proposals whose support window ended, each once (`proposal.rule_expired`, `proposal.closed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gongnon_chassis.store import Store, Tx
from gongnon_contracts.events import RuleExpired
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import timeline
from proposal_svc.domain.rules import expire
from proposal_svc.service_layer.tallies import closing


@dataclass
class ExpiryScanner:
    store: Store
    proposals: ProposalRepository
    # Tallies are coalesced and arrive a little late; a window expires only this long after its
    # end, so votes cast inside it still count.
    grace: timedelta

    async def scan(self) -> int:
        """Drain everything due now, a batch per query on the next-deadline index; returns how many
        expiries and closings were recorded."""
        total = 0
        while (done := await self.expire_due()) > 0:
            total += done
        return total

    async def expire_due(self, batch: int = 100) -> int:
        """One pass: each due item in its own transaction."""
        done = 0
        for item_id in await self.proposals.due(self.store.clock.now() - self.grace, batch):

            async def one(tx: Tx, item_id: str = item_id) -> int:
                return await self.expire_item(tx, item_id)

            done += await self.store.transaction(one)
        return done

    async def expire_item(self, tx: Tx, item_id: str) -> int:
        """Expire the item's passed windows and close it when its support window ended."""
        p = await self.proposals.get(item_id, tx.session)
        if p is None:
            return 0
        result = expire(p.rule_set, p.state, tx.now, self.grace)
        done = 0
        for e in result.expiries:
            p.expired.append(e.rule.id)
            value = p.metric_values[e.rule.metric]
            if not await self.proposals.record_expiry(tx, p, e, value, timeline.rule_expired(p, e, value)):
                continue
            done += 1
            event = RuleExpired(
                item_id=p.id,
                rule_id=e.rule.id,
                metric=e.rule.metric,
                threshold=e.threshold,
                value=value,
                expired_at=e.deadline,
            )
            tx.emit(event, agency=p.agency)
        if result.close and result.closes_at is not None:
            # A window a department's review held open ends when its answer was published.
            finished = p.review_finished_at
            p.closed_at = max(result.closes_at, finished) if finished is not None else result.closes_at
            closed, entry = closing(p, "support_window_ended")
            if await self.proposals.record_close(tx, p, entry):
                done += 1
                tx.emit(closed, agency=p.agency)
        # Always move the deadline on, so the scan does not pick the item up again.
        await self.proposals.save_derived(tx, p)
        return done
