"""What the service does, one function per command or event: load, decide in the domain,
record, emit. Each runs inside the caller's transaction (Tx), so state and events commit together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.store import Store, Tx
from gongnon_contracts import Envelope, new_id
from gongnon_contracts.events import (
    ItemClosed,
    MilestoneReached,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewAnswerSubmitted,
    ReviewCaseOpened,
    RuleExpired,
    TallyUpdated,
)
from gongnon_contracts.events.common import Metric, RuleAction
from gongnon_contracts.rulesets import RuleSetChoice
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain import timeline
from proposal_svc.domain.presets import DEFAULT_PRESET, PRESETS
from proposal_svc.domain.proposal import CaseStatus, Proposal
from proposal_svc.domain.rules import (
    Firing,
    Reading,
    RuleSet,
    evaluate,
    expire,
    rule_set_from_dict,
    rule_set_to_dict,
)

# Which tally of the item itself feeds which metric (debate participants come from the debate's
# own tally: see deliberations.py).
TALLY_METRICS = {"support": Metric.SUPPORTS}


async def active_rule_set(repo: ProposalRepository, agency: str, tx: Tx | None = None) -> RuleSet:
    """The rule set new items of this agency open under (the default preset until one is chosen)."""
    doc = await repo.agency_ruleset(agency, tx.session if tx else None)
    if doc is not None and doc.get("own"):
        return rule_set_from_dict(doc["own"])
    base = PRESETS.get(doc["preset"]) if doc and doc.get("preset") else None
    if doc is None or base is None:
        return PRESETS[DEFAULT_PRESET].for_agency(agency)
    return base.with_census(doc.get("census")).for_agency(agency)


def own_rule_set(agency: str, choice: RuleSetChoice, version: int) -> RuleSet:
    """The agency's own rules as a rule set (RuleError when they cannot be evaluated): the same
    document form items store their rule set in."""
    fields = choice.model_dump(mode="json", exclude={"preset"})
    return rule_set_from_dict(
        {**fields, "id": f"{agency}-own", "agency": agency, "version": version, "source": f"published by {agency}"}
    )


async def choose_rule_set(repo: ProposalRepository, tx: Tx, agency: str, choice: RuleSetChoice, by: str) -> RuleSet:
    """The agency's next rule-set version. Items already open keep the one they opened under."""
    if choice.rules is None:
        await repo.set_agency_ruleset(tx, agency, choice.preset, choice.census, None, by)
        return await active_rule_set(repo, agency, tx)
    current = await repo.agency_ruleset(agency, tx.session)
    own = own_rule_set(agency, choice, int((current or {}).get("version", 0)) + 1)  # checked before writing
    await repo.set_agency_ruleset(tx, agency, None, choice.census, rule_set_to_dict(own), by)
    return own


async def submit(
    repo: ProposalRepository,
    tx: Tx,
    actor: Actor,
    title: str,
    body: str,
    category: str,
    district: str | None,
    hashtags: list[str],
) -> Proposal:
    rule_set = await active_rule_set(repo, actor.agency, tx)
    p = Proposal(
        id=new_id("pr_"),
        agency=actor.agency,
        title=title,
        body=body,
        category=category,
        district=district,
        hashtags=hashtags,
        author_account=actor.account_id,
        author_name=actor.display_name,
        author_role=actor.role,
        created_at=tx.now,
        rule_set=rule_set,
        listed=rule_set.listed_on_submit,
    )
    await repo.insert(tx, p)
    await repo.add_timeline(tx, timeline.submitted(p))
    tx.emit(
        ProposalSubmitted(
            item_id=p.id,
            title=p.title,
            category=p.category,
            district=p.district,
            author_account=p.author_account,
            author_role=p.author_role,
            author_name=p.author_name,
            rule_set_id=rule_set.id,
            listed=p.listed,
        ),
        agency=p.agency,
    )
    return p


async def apply_tally(repo: ProposalRepository, tx: Tx, ev: TallyUpdated) -> list[Firing]:
    return await apply_tallies(repo, tx, [ev])


async def apply_tallies(repo: ProposalRepository, tx: Tx, events: Sequence[TallyUpdated]) -> list[Firing]:
    """A batch of tally snapshots in stream order: the proposals are read once, each snapshot is fed
    to its proposal's rules in order (milestones fire exactly as they would one event at a time),
    and the counts are raised in one bulk write."""
    readings = [(ev, TALLY_METRICS[ev.kind]) for ev in events if ev.kind in TALLY_METRICS]
    proposals = await repo.get_many({ev.item_id for ev, _ in readings}, tx.session)
    highest: dict[tuple[str, Metric], int] = {}
    recorded: list[Firing] = []
    for ev, metric in readings:
        p = proposals.get(ev.item_id)
        if p is None:  # an item another service owns
            continue
        highest[(p.id, metric)] = max(highest.get((p.id, metric), 0), ev.total)
        recorded += await _feed(repo, tx, p, metric, Reading(ev.total, ev.as_of))
    await repo.raise_metrics(tx, highest)
    return recorded


async def apply_reading(
    repo: ProposalRepository, tx: Tx, item_id: str, metric: Metric, reading: Reading
) -> list[Firing]:
    """Feed one absolute count to the proposal's rules (supports come from its own tally, debate
    participants from the tally of its debate)."""
    p = await repo.get(item_id, tx.session)
    if p is None:  # an item another service owns
        return []
    await repo.raise_metric(tx, p.id, metric, reading.value)
    return await _feed(repo, tx, p, metric, reading)


async def _feed(repo: ProposalRepository, tx: Tx, p: Proposal, metric: Metric, reading: Reading) -> list[Firing]:
    """Evaluate the rules on one reading; record, announce and show each rule that fires."""
    if metric == Metric.SUPPORTS:
        p.support_count = max(p.support_count, reading.value)
    recorded = []
    for f in evaluate(p.rule_set, p.state, {metric: reading}, tx.now):
        p.apply(f)
        if not await repo.record_firing(tx, p, f):
            continue
        recorded.append(f)
        tx.emit(
            MilestoneReached(
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
            ),
            agency=p.agency,
        )
        await repo.add_timeline(tx, timeline.milestone(p, f))
        if f.rule.action == RuleAction.CLOSE:
            await _close(repo, tx, p, f"rule:{f.rule.id}")
    return recorded


async def _close(repo: ProposalRepository, tx: Tx, p: Proposal, reason: str) -> None:
    assert p.closed_at is not None
    tx.emit(ItemClosed(item_id=p.id, reason=reason, closed_at=p.closed_at), agency=p.agency)
    await repo.add_timeline(tx, timeline.closed(p, p.closed_at, reason))


async def expire_item(repo: ProposalRepository, tx: Tx, item_id: str, grace: timedelta) -> int:
    """Expire the item's passed windows and close it when its support window ended."""
    p = await repo.get(item_id, tx.session)
    if p is None:
        return 0
    result = expire(p.rule_set, p.state, tx.now, grace)
    done = 0
    for e in result.expiries:
        p.expired.append(e.rule.id)
        value = p.metric_values[e.rule.metric]
        if not await repo.record_expiry(tx, p, e, value):
            continue
        done += 1
        tx.emit(
            RuleExpired(
                item_id=p.id,
                rule_id=e.rule.id,
                metric=e.rule.metric,
                threshold=e.threshold,
                value=value,
                expired_at=e.deadline,
            ),
            agency=p.agency,
        )
        await repo.add_timeline(tx, timeline.rule_expired(p, e, value))
    if result.close and result.closes_at is not None:
        p.closed_at = result.closes_at
        if await repo.record_close(tx, p):
            done += 1
            await _close(repo, tx, p, "support_window_ended")
    # Always move the deadline on, so the scan does not pick the item up again.
    await repo.save_derived(tx, p)
    return done


async def expire_due(repo: ProposalRepository, store: Store, grace: timedelta, batch: int = 100) -> int:
    """One pass of the deadline scan; returns how many expiries and closings it recorded."""
    done = 0
    for item_id in await repo.due(store.clock.now() - grace, batch):

        async def one(tx: Tx, item_id: str = item_id) -> int:
            return await expire_item(repo, tx, item_id, grace)

        done += await store.transaction(one)
    return done


# --- review-svc's progress on the item ---


# A timeline entry is written whatever order the events arrive in (what happened stays true);
# the case's status only moves forward.


async def case_opened(repo: ProposalRepository, tx: Tx, ev: ReviewCaseOpened, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "department_name": ev.department_name, "due_at": ev.due_at}
    if await _track(repo, tx, ev.item_id, ev.case_id, CaseStatus.OPEN, info):
        entry = timeline.case_opened(ev.item_id, ev.case_id, env.time, ev.department_name, ev.due_at)
        await repo.add_timeline(tx, entry)


async def answer_submitted(repo: ProposalRepository, tx: Tx, ev: ReviewAnswerSubmitted, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "decision": ev.decision}
    if await _track(repo, tx, ev.item_id, ev.case_id, CaseStatus.AWAITING_APPROVAL, info):
        await repo.add_timeline(tx, timeline.answer_submitted(ev.item_id, ev.case_id, env.time, ev.decision))


async def answer_published(repo: ProposalRepository, tx: Tx, ev: ReviewAnswerPublished, env: Envelope) -> None:
    info = {"department_id": ev.department_id, "department_name": ev.department_name, "decision": ev.decision}
    if await _track(repo, tx, ev.item_id, ev.case_id, CaseStatus.PUBLISHED, info):
        entry = timeline.answer_published(
            ev.item_id, ev.case_id, ev.published_at, ev.department_name, ev.decision, ev.answer, ev.reason
        )
        await repo.add_timeline(tx, entry)


async def _track(
    repo: ProposalRepository, tx: Tx, item_id: str, case_id: str, status: str, info: dict[str, Any]
) -> bool:
    """Move the case forward on the item; False when the item is not ours."""
    p = await repo.get(item_id, tx.session)
    if p is None:
        return False
    if p.track_case(case_id, status, **info):
        await repo.set_case(tx, p, case_id)
    return True
