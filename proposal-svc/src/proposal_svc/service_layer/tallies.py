"""voting-svc's counts meet the items' rules: a proposal's supports (its own tally) and a
debate's participants (the debate's tally, and its final result) feed the proposal's rules; each
rule that fires is recorded once, announced (`proposal.milestone_reached`) and shown on the
timeline. Runs in the transaction of the consumer that received the tallies; the counts
themselves are written outside it (see apply_tallies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gongnon_chassis.store import Tx
from gongnon_contracts.events import (
    DecisionVoteDecided,
    DecisionVoteOpened,
    DecisionVoteRequested,
    ItemClosed,
    MilestoneReached,
    TallyUpdated,
)
from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import timeline
from proposal_svc.domain.deliberation import DeliberationKind
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.rules import SEOUL_DECISION_POLICY, Firing, Reading, RuleView, evaluate
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


def decision_requested(p: Proposal, f: Firing) -> DecisionVoteRequested:
    """An open-decision-vote rule fired: ask voting-svc for the ballot, on the rule set's terms
    (Seoul's when it has no decision policy). Proposals carry no budget, so the quorum is the
    policy's minimum (Madrid: none; a budget item's vote is opened through the gateway)."""
    policy = p.rule_set.decision_vote or SEOUL_DECISION_POLICY
    opens_at, closes_at = policy.period(f.reached_at)
    return DecisionVoteRequested(
        item_id=p.id,
        budget_krw=0,
        krw_per_voter=policy.krw_per_voter,
        quorum_min=policy.quorum_min,
        quorum_max=policy.quorum_max,
        opens_at=opens_at,
        closes_at=closes_at,
        reason=f"rule {f.rule.id}",
    )


# Items whose rules are kept in memory (each a few hundred bytes): above it, the memory is cleared.
KNOWN_MAX = 50_000


@dataclass
class TallyService:
    proposals: ProposalRepository
    deliberations: DeliberationRepository
    # Per item, its rules and what had happened under them when last read (None: not a proposal).
    # Only ever behind: rules fire, expire and items close, never the other way, so a reading the
    # remembered state does not fire cannot fire on the fresher one either; a reading it does fire
    # is fed again to the proposal read inside the transaction. An item that fired is read again.
    _known: dict[str, RuleView | None] = field(default_factory=dict)

    async def _views(self, ids: set[str]) -> dict[str, RuleView]:
        unknown = ids - self._known.keys()
        if unknown:
            if len(self._known) + len(unknown) > KNOWN_MAX:
                self._known.clear()
            read = await self.proposals.rule_views(unknown)
            self._known.update({i: read.get(i) for i in unknown})
        return {i: v for i in ids if (v := self._known.get(i)) is not None}

    async def record_decision_opened(self, tx: Tx, ev: DecisionVoteOpened) -> bool:
        """A decision vote on one of our proposals opened: on the item and its timeline."""
        if ev.source_item_id is None or await self.proposals.get(ev.source_item_id, tx.session) is None:
            return False
        entry = timeline.decision_opened(ev.source_item_id, ev, tx.now)
        vote = timeline.decision_opened_record(ev)
        return await self.proposals.record_decision_opened(tx, ev.source_item_id, vote, entry)

    async def record_decision(self, tx: Tx, ev: DecisionVoteDecided) -> bool:
        """A decision vote on one of our proposals closed: its result on the item and its timeline."""
        if ev.source_item_id is None or await self.proposals.get(ev.source_item_id, tx.session) is None:
            return False
        entry = timeline.decision_decided(ev.source_item_id, ev)
        return await self.proposals.record_decision(tx, ev.source_item_id, timeline.decision_record(ev), entry)

    async def apply_tallies(self, tx: Tx, events: Sequence[TallyUpdated]) -> list[Firing]:
        """A batch of tally snapshots in stream order: proposals' supports and debates'
        participants (which feed the debate's proposal).

        The counts are raised outside the transaction (absolute values under `$max`: applied twice
        or late they change nothing), so a batch of hundreds of items costs the transaction
        nothing. The readings are then fed to each proposal's rules in memory (as last read, see
        `_known`); only the proposals where a rule fires are read inside the transaction and fed
        again there, where each firing is recorded once (its guard), announced and put on the
        timeline."""
        ids = {ev.item_id for ev in events}
        views = await self._views(ids)
        debates = await self.deliberations.get_many(ids - views.keys())
        sources = {d.source_item_id for d in debates.values() if d.kind == DeliberationKind.DEBATE and d.source_item_id}
        views.update(await self._views(sources - views.keys()))

        readings: list[tuple[str, Metric, Reading]] = []
        participants: dict[str, int] = {}
        # A proposal's supports a recount repaired (possibly lower), by the last repair in the
        # batch and whatever rose after it.
        repaired: dict[tuple[str, Metric], int] = {}
        for ev in events:
            reading = Reading(ev.total, ev.as_of)
            if ev.item_id in views and ev.kind in TALLY_METRICS:
                key = (ev.item_id, TALLY_METRICS[ev.kind])
                if ev.repaired:
                    repaired[key] = ev.total
                elif key in repaired:
                    repaired[key] = max(repaired[key], ev.total)
                readings.append((ev.item_id, TALLY_METRICS[ev.kind], reading))
            elif (d := debates.get(ev.item_id)) is not None:
                participants[d.id] = max(participants.get(d.id, 0), ev.total)
                if d.kind == DeliberationKind.DEBATE and d.source_item_id in views:
                    readings.append((d.source_item_id, Metric.DEBATE_PARTICIPANTS, reading))
            # else: an item another service owns
        highest: dict[tuple[str, Metric], int] = {}
        for item_id, metric, reading in readings:
            if (item_id, metric) not in repaired:
                highest[(item_id, metric)] = max(highest.get((item_id, metric), 0), reading.value)
        await self.proposals.lower_metrics(repaired)
        firing = {item_id for item_id, metric, reading in readings if views[item_id].fires(metric, reading, tx.now)}
        # A count that crosses a threshold shows together with its milestone (same commit); the
        # rest are raised at once.
        await self.proposals.raise_metrics({k: v for k, v in highest.items() if k[0] not in firing})
        await self.deliberations.raise_participants(participants)
        if not firing:
            return []
        for item_id in firing:
            self._known.pop(item_id, None)  # read again next time, whether this commits or not
        await self.proposals.raise_metrics({k: v for k, v in highest.items() if k[0] in firing}, tx.session)
        fresh = await self.proposals.get_many(firing, tx.session)
        recorded: list[Firing] = []
        for item_id, metric, reading in readings:
            if (p := fresh.get(item_id)) is not None:
                recorded += await self._feed(tx, p, metric, reading)
        return recorded

    async def apply_reading(self, tx: Tx, item_id: str, metric: Metric, reading: Reading) -> list[Firing]:
        """Feed one absolute count to the proposal's rules (supports come from its own tally, debate
        participants from the tally of its debate)."""
        p = await self.proposals.get(item_id, tx.session)
        if p is None:  # an item another service owns
            return []
        await self.proposals.raise_metrics({(p.id, metric): reading.value}, tx.session)
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
            if f.rule.action == RuleAction.OPEN_DECISION_VOTE:
                tx.emit(decision_requested(p, f), agency=p.agency)
            if closed:
                tx.emit(closed[0], agency=p.agency)
        return recorded
