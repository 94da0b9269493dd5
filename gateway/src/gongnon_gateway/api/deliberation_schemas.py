"""Request models of debates (시민토론), city consultations (서울시가 묻습니다) and their votes.
The gateway checks shapes and sizes; proposal-svc and voting-svc decide what is allowed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gongnon_contracts.ballots import CHOICES_MAX, OPTIONS_MAX, QUESTIONS_MAX, BallotOption, BallotQuestion
from gongnon_contracts.bounds import Moment
from gongnon_gateway.api.schemas import _In

REF = r"^[A-Za-z0-9_\-]{1,64}$"
VoteType = Literal["choice", "discussion", "research", "multi"]


class _BallotIn(_In):
    vote_type: VoteType = Field(description="choice 찬반형, discussion 토론형, research 리서치형, multi 문답형")
    options: list[BallotOption] | None = Field(
        None, max_length=OPTIONS_MAX, description="choice: labels of yes / no / other"
    )
    questions: list[BallotQuestion] | None = Field(
        None, max_length=QUESTIONS_MAX, description="research: one answer each"
    )
    max_choices: int | None = Field(None, ge=1, le=CHOICES_MAX, description="multi: pick up to N (default 3)")
    opens_at: Moment | None = Field(None, description="Default: now (2000..2100)")
    closes_at: Moment | None = Field(None, description="Or give days (2000..2100)")
    days: int | None = Field(None, ge=1, le=366, description="Length of the voting period (default 30)")


class ConsultationIn(_BallotIn):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    category: str = Field(min_length=1, max_length=40, description="A 정책분류 key from GET /api/meta")
    department_id: str | None = Field(None, pattern=REF, description="The asking department (officers: their own)")
    allow_short_period: bool | None = Field(None, description="Operator only: shorter than 30 days")


class DebateIn(_BallotIn):
    proposal_id: str = Field(pattern=REF, description="A proposal that reached its debate-candidate rule")
    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, min_length=1, max_length=50_000)
    department_id: str | None = Field(None, pattern=REF)


class VoteIn(_In):
    choices: list[str] = Field(
        default_factory=list,
        max_length=64,
        description='Option ids (research: "question:option" per question; discussion: none)',
    )
