"""The shape in which an agency publishes its own threshold rule set ("METRIC reaches N within D
days → ACTION, to be done within R days"). The gateway checks the shape; proposal-svc checks the
meaning (unique rule ids, a census for share-of-census rules) and versions what it accepts.

Both use these models as their request bodies, so every number is bounded here (bounds.py): a
census of 10^30 or a quorum of 10^30 is the caller's 422, never the store's overflow."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from gongnon_contracts.bounds import CENSUS_MAX, COUNT_MAX, DAYS_MAX, KRW_MAX
from gongnon_contracts.events.common import Metric, RuleAction

ParamName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
ParamValue = Annotated[int, Field(ge=0, le=COUNT_MAX)]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    metric: Metric
    threshold: int | None = Field(None, ge=1, le=COUNT_MAX, description="N, a count")
    threshold_ratio: float | None = Field(None, gt=0, le=1, description="or N as a share of the census")
    window_days: int | None = Field(None, ge=1, le=DAYS_MAX, description="D: reached within this many days")
    action: RuleAction
    due_days: int | None = Field(None, ge=1, le=DAYS_MAX, description="R: the action is done within this many days")
    label: str = Field("", max_length=200, description="What people read (Korean)")
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict, max_length=8, description='e.g. {"vote_open_days": 7}'
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> RuleIn:
        if (self.threshold is None) == (self.threshold_ratio is None):
            raise ValueError("give exactly one of threshold and threshold_ratio")
        return self


class DecisionVoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    min_open_days: int | None = Field(None, ge=1, le=DAYS_MAX)
    open_days: int | None = Field(None, ge=1, le=DAYS_MAX)
    pass_ratio: float = Field(0.5, ge=0, lt=1)
    krw_per_voter: int | None = Field(None, ge=1, le=KRW_MAX, description="Quorum: one voter per this much budget")
    quorum_min: int | None = Field(None, ge=0, le=COUNT_MAX)
    quorum_max: int | None = Field(None, ge=0, le=COUNT_MAX)

    @model_validator(mode="after")
    def _quorum_range(self) -> DecisionVoteIn:
        if self.quorum_min is not None and self.quorum_max is not None and self.quorum_min > self.quorum_max:
            raise ValueError("quorum_min must not exceed quorum_max")
        return self


class RuleSetChoice(BaseModel):
    """Either a preset (with a census where its rules need one) or the agency's own rules."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    preset: str | None = Field(None, min_length=1, max_length=80, description="A rule preset id from GET /api/meta")
    census: int | None = Field(
        None, ge=1, le=CENSUS_MAX, description="Population, for share-of-census rules (Decide Madrid)"
    )
    name: str | None = Field(None, min_length=1, max_length=120, description="Own rules: what the set is called")
    rules: list[RuleIn] | None = Field(None, min_length=1, max_length=20, description="Own rules, instead of a preset")
    close_after_days: int | None = Field(None, ge=1, le=DAYS_MAX, description="Own rules: the support window")
    decision_vote: DecisionVoteIn | None = None
    description: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _preset_or_rules(self) -> RuleSetChoice:
        if (self.preset is None) == (self.rules is None):
            raise ValueError("give either a preset or your own rules")
        if self.rules is not None and self.name is None:
            raise ValueError("own rules need a name")
        if self.preset is not None and (self.name or self.close_after_days or self.decision_vote or self.description):
            raise ValueError("name, close_after_days, decision_vote and description go with own rules only")
        return self
