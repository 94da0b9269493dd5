"""Debates (시민토론) and city consultations (서울시가 묻습니다): proposal-svc owns the items,
voting-svc defines their ballots from `deliberation.opened`, and the department answers the
published result (`deliberation.result_published`)."""

from datetime import datetime

from pydantic import Field

from gongnon_contracts.ballots import BallotOption, BallotQuestion
from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


class _DeliberationEvent(EventData):
    TOPIC = Topic.PROPOSALS.value
    item_id: str

    def subject(self) -> str:
        return self.item_id


@register
class DeliberationOpened(_DeliberationEvent):
    TYPE = "deliberation.opened"
    SUMMARY = "A debate or city consultation opened; its ballot definition is included"
    kind: str = Field(description="debate (시민토론) or consultation (서울시가 묻습니다)")
    title: str
    category: str
    department_id: str | None
    source_item_id: str | None = Field(description="The proposal a debate grew from; null for consultations")
    vote_type: str = Field(description="choice (찬반형), discussion (토론형), research (리서치형), multi (문답형)")
    options: list[BallotOption] = Field(default_factory=list)
    questions: list[BallotQuestion] = Field(default_factory=list)
    max_choices: int = Field(ge=1)
    opens_at: datetime
    closes_at: datetime


@register
class DeliberationResultPublished(_DeliberationEvent):
    TYPE = "deliberation.result_published"
    SUMMARY = "A debate's or consultation's final result is public; the department must answer it"
    kind: str
    title: str
    category: str
    department_id: str | None
    source_item_id: str | None
    vote_type: str
    total: int = Field(ge=0, description="Participants (distinct voters)")
    counts: dict[str, int] = Field(default_factory=dict)
    closed_at: datetime
    published_at: datetime
    answer_due_days: int = Field(ge=1, description="The department answers within this many days")
