"""The rule sets items open under: the presets every installation ships, and the one each agency
chooses (a preset, or rules of its own), kept as numbered versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gongnon_chassis.keyed_locks import KeyedLocks
from gongnon_chassis.store import Store, Tx
from gongnon_contracts.refusals import Invalid, NotFound
from gongnon_contracts.rulesets import RuleSetChoice
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.domain.presets import DEFAULT_PRESET, PRESETS
from proposal_svc.domain.rules import RuleError, RuleSet, rule_set_from_dict, rule_set_to_dict


def own_rule_set(agency: str, choice: RuleSetChoice, version: int) -> RuleSet:
    """The agency's own rules as a rule set (RuleError when they cannot be evaluated): the same
    document form items store their rule set in."""
    fields = choice.model_dump(mode="json", exclude={"preset"})
    return rule_set_from_dict(
        {**fields, "id": f"{agency}-own", "agency": agency, "version": version, "source": f"published by {agency}"}
    )


@dataclass
class RuleSetService:
    store: Store
    proposals: ProposalRepository
    # An agency's choices write one document: one at a time here (see KeyedLocks).
    _choosing: KeyedLocks = field(default_factory=KeyedLocks)

    def preset(self, ruleset_id: str) -> RuleSet:
        rs = PRESETS.get(ruleset_id)
        if rs is None:
            raise NotFound("no such rule set", code="ruleset_not_found")
        return rs

    async def active(self, agency: str, tx: Tx | None = None) -> RuleSet:
        """The rule set new items of this agency open under (the default preset until one is chosen)."""
        doc = await self.proposals.agency_ruleset(agency, tx.session if tx else None)
        if doc is not None and doc.get("own"):
            return rule_set_from_dict(doc["own"])
        base = PRESETS.get(doc["preset"]) if doc and doc.get("preset") else None
        if doc is None or base is None:
            return PRESETS[DEFAULT_PRESET].for_agency(agency)
        return base.with_census(doc.get("census")).for_agency(agency)

    async def choose(self, agency: str, choice: RuleSetChoice, by: str) -> RuleSet:
        """The agency's next rule-set version (the caller administers the agency). Items already
        open keep the one they opened under; only new items use this one."""
        if choice.preset is not None and choice.preset not in PRESETS:
            raise Invalid("unknown preset", code="unknown_preset", details={"allowed": list(PRESETS)})

        async def body(tx: Tx) -> RuleSet:
            try:
                return await self._choose(tx, agency, choice, by)
            except RuleError as exc:
                raise Invalid(str(exc), code="invalid_rule_set") from exc

        async with self._choosing.hold(agency):
            return await self.store.transaction(body)

    async def _choose(self, tx: Tx, agency: str, choice: RuleSetChoice, by: str) -> RuleSet:
        if choice.rules is None:
            await self.proposals.set_agency_ruleset(tx, agency, choice.preset, choice.census, None, by)
            return await self.active(agency, tx)
        current = await self.proposals.agency_ruleset(agency, tx.session)
        own = own_rule_set(agency, choice, int((current or {}).get("version", 0)) + 1)  # checked before writing
        await self.proposals.set_agency_ruleset(tx, agency, None, choice.census, rule_set_to_dict(own), by)
        return own

    async def versions(self, agency: str, limit: int) -> list[dict[str, Any]]:
        """Every rule set the agency has chosen, newest first (own rules in full)."""
        return await self.proposals.agency_ruleset_versions(agency, limit)
