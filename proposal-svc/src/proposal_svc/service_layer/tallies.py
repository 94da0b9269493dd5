"""voting-svc's counts meet the items' rules: a proposal's supports (its own tally) and a
debate's participants (the debate's tally, and its final result) feed the proposal's rules; each
rule that fires is recorded once, announced (`proposal.milestone_reached`) and shown on the
timeline. Runs in the transaction of the consumer that received the tally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gongnon_chassis.store import Tx
from gongnon_contracts.events import ItemClosed, MilestoneReached, TallyUpdated
from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import timeline
from proposal_svc.domain.deliberation import DeliberationKind
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.rules import Firing, Reading, evaluate
from proposal_svc.domain.timeline import TimelineEntry

# Which tally of the item itself feeds which metric (debate participants come from the tally of
# the proposal's debate).
TALLY_METRICS = {"support": Metric.SUPPORTS}


def closing(p: Proposal, reason: str) -> tuple[ItemClosed, TimelineEntry]:
    """The event and the timeline entry of a proposal that just closed."""
    assert p.closed_at is not None
    return ItemClosed(item_id=p.id, reason=reason, closed_at=p.closed_at), timeline.closed(p, p.closed_at, reason)


def milestone_reached(p: Proposal, f: Firing) -> MilestoneReached:
    return MilestoneReached(
        item_id=p.id,
        rule_id=f.rule.id,
        rule_set_id=p.rule_set.id,
        metric=f.rule.metric,
        threshold=f.threshold,
        value=f.value,
        action=f.rule.action,
        due_days=f.rule.due_days,
        category=p.category,
        title=p.title,
        reached_at=f.reached_at,
    )


@dataclass
class TallyService:
    proposals: ProposalRepository
    deliberations: DeliberationRepository

    async def apply_support_tallies(self, tx: Tx, events: Sequence[TallyUpdated]) -> list[Firing]:
        """A batch of tally snapshots in stream order: the proposals are read once, each snapshot
        is fed to its proposal's rules in order (milestones fire exactly as they would one event at
        a time), and the counts are raised in one bulk write."""
        readings = [(ev, TALLY_METRICS[ev.kind]) for ev in events if ev.kind in TALLY_METRICS]
        found = await self.proposals.get_many({ev.item_id for ev, _ in readings}, tx.session)
        highest: dict[tuple[str, Metric], int] = {}
        recorded: list[Firing] = []
        for ev, metric in readings:
            p = found.get(ev.item_id)
            if p is None:  # an item another service owns
                continue
            highest[(p.id, metric)] = max(highest.get((p.id, metric), 0), ev.total)
            recorded += await self._feed(tx, p, metric, Reading(ev.total, ev.as_of))
        await self.proposals.raise_metrics(tx, highest)
        return recorded

    async def apply_participant_tallies(self, tx: Tx, events: Sequence[TallyUpdated]) -> None:
        """Participants (distinct voters) of a debate feed its proposal's debate_participants rules.
        Most snapshots in a batch are proposals' support tallies: one read finds the few that are
        debates' or consultations'."""
        ours = await self.deliberations.get_many({ev.item_id for ev in events}, tx.session)
        for ev in events:
            d = ours.get(ev.item_id)
            if d is None:  # a proposal's support tally, or an item another service owns
                continue
            await self.deliberations.raise_participants(tx, d.id, ev.total)
            if d.kind == DeliberationKind.DEBATE and d.source_item_id:
                await self.apply_reading(tx, d.source_item_id, Metric.DEBATE_PARTICIPANTS, Reading(ev.total, ev.as_of))

    async def apply_reading(self, tx: Tx, item_id: str, metric: Metric, reading: Reading) -> list[Firing]:
        """Feed one absolute count to the proposal's rules (supports come from its own tally, debate
        participants from the tally of its debate)."""
        p = await self.proposals.get(item_id, tx.session)
        if p is None:  # an item another service owns
            return []
        await self.proposals.raise_metric(tx, p.id, metric, reading.value)
        return await self._feed(tx, p, metric, reading)

    async def _feed(self, tx: Tx, p: Proposal, metric: Metric, reading: Reading) -> list[Firing]:
        """Evaluate the rules on one reading; record, announce and show each rule that fires (one
        write records the firing and numbers its timeline entries, one more writes them)."""
        if metric == Metric.SUPPORTS:
            p.support_count = max(p.support_count, reading.value)
        recorded = []
        for f in evaluate(p.rule_set, p.state, {metric: reading}, tx.now):
            p.apply(f)
            entries = [timeline.milestone(p, f)]
            closed = closing(p, f"rule:{f.rule.id}") if f.rule.action == RuleAction.CLOSE else None
            if closed:
                entries.append(closed[1])
            if not await self.proposals.record_firing(tx, p, f, entries):
                continue
            recorded.append(f)
            tx.emit(milestone_reached(p, f), agency=p.agency)
            if closed:
                tx.emit(closed[0], agency=p.agency)
        return recorded
