"""Debates (시민토론) and city consultations (서울시가 묻습니다). Pure: no I/O, times passed in.

A debate grows from a proposal that became a debate candidate; a consultation is asked directly
by a department or the operators. Each runs one vote of four types for a period, shows D-day,
and publishes its result, which the department answers (30 days for debates, 60 for
consultations, per the 2018 operating plan). voting-svc owns the votes; this module only defines
what may be voted and how the published counts read. The parts of a ballot (options, questions)
and the rule for their ids are the contract's (gongnon_contracts.ballots); what each vote type may
hold is decided here (DeliberationInvalid, 422 `invalid_ballot`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from gongnon_contracts.ballots import CHOICE_IDS, YES_NO_OTHER, BallotOption, BallotQuestion, id_problem
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.refusals import Invalid

DAY = timedelta(days=1)


class DeliberationKind(StrEnum):
    DEBATE = "debate"  # 시민토론
    CONSULTATION = "consultation"  # 서울시가 묻습니다


class VoteType(StrEnum):
    """The same names voting-svc gives its ballot kinds."""

    CHOICE = "choice"  # 찬반형: yes / no / other, labels per item
    DISCUSSION = "discussion"  # 토론형: support the topic, argue in comments
    RESEARCH = "research"  # 리서치형: several questions, one answer each
    MULTI = "multi"  # 문답형: pick up to N options


KIND_KO = {DeliberationKind.DEBATE: "시민토론", DeliberationKind.CONSULTATION: "서울시가 묻습니다"}
VOTE_TYPE_KO = {
    VoteType.CHOICE: "찬반형",
    VoteType.DISCUSSION: "토론형",
    VoteType.RESEARCH: "리서치형",
    VoteType.MULTI: "문답형",
}

DEFAULT_DAYS = 30
CONSULTATION_MIN_DAYS = 30  # 2018 plan: 여론수렴기간 30일 이상
MAX_DAYS = 366
# When the department must answer the published result (2018 plan: consultations within 60 days).
ANSWER_DUE_DAYS = {DeliberationKind.DEBATE: 30, DeliberationKind.CONSULTATION: 60}
DEFAULT_MAX_CHOICES = 3  # the seed's 문답형 example: 최대 3개 선택
# A start a little in the past is a clock difference, not a back-dated vote.
START_SKEW = timedelta(minutes=5)


class DeliberationInvalid(Invalid):
    """A definition that cannot be used (422); `code` is the machine-readable reason."""

    code = "invalid_ballot"


def _check_ids(ids: Sequence[str], what: str) -> None:
    # The id rule is the ballot contract's: voting-svc stores these ids as they are.
    problem = id_problem(ids, what)
    if problem:
        raise DeliberationInvalid(problem)


@dataclass(frozen=True)
class BallotSpec:
    """What can be voted on the item: checked here so a bad definition is a 422 now, not a
    ballot voting-svc refuses later."""

    vote_type: VoteType
    options: tuple[BallotOption, ...] = ()
    questions: tuple[BallotQuestion, ...] = ()
    max_choices: int = 1

    @classmethod
    def define(
        cls,
        vote_type: VoteType,
        options: Sequence[BallotOption] = (),
        questions: Sequence[BallotQuestion] = (),
        max_choices: int | None = None,
    ) -> BallotSpec:
        opts, qs = tuple(options), tuple(questions)
        if vote_type != VoteType.RESEARCH and qs:
            raise DeliberationInvalid(f"a {VOTE_TYPE_KO[vote_type]} vote has no questions")
        if vote_type != VoteType.MULTI and max_choices not in (None, 1):
            raise DeliberationInvalid("only a 문답형 (multi) vote picks more than one option")
        if vote_type == VoteType.DISCUSSION:
            if opts:
                raise DeliberationInvalid("a 토론형 (discussion) vote has no options: the vote is the support")
            return cls(vote_type)
        if vote_type == VoteType.CHOICE:
            return cls(vote_type, _yes_no_other(opts))
        if vote_type == VoteType.MULTI:
            if len(opts) < 2:
                raise DeliberationInvalid("a 문답형 (multi) vote needs at least two options")
            _check_ids([o.id for o in opts], "option")
            n = max_choices if max_choices is not None else min(DEFAULT_MAX_CHOICES, len(opts))
            if not 1 <= n <= len(opts):
                raise DeliberationInvalid(f"max_choices must be between 1 and {len(opts)}")
            return cls(vote_type, opts, max_choices=n)
        # research
        if opts:
            raise DeliberationInvalid("a 리서치형 (research) vote has questions, not top-level options")
        if not qs:
            raise DeliberationInvalid("a 리서치형 (research) vote needs at least one question")
        _check_ids([q.id for q in qs], "question")
        for q in qs:
            if len(q.options) < 2:
                raise DeliberationInvalid(f"question {q.id} needs at least two options")
            _check_ids([o.id for o in q.options], f"option of question {q.id}")
        return cls(vote_type, questions=qs)

    def option_keys(self) -> tuple[str, ...]:
        """The keys of the published counts (research: "question:option")."""
        if self.vote_type == VoteType.RESEARCH:
            return tuple(f"{q.id}:{o.id}" for q in self.questions for o in q.options)
        return tuple(o.id for o in self.options)


def _yes_no_other(opts: tuple[BallotOption, ...]) -> tuple[BallotOption, ...]:
    """찬반형 keeps the ids yes / no (/ other); only the labels are the item's own."""
    if not opts:
        return YES_NO_OTHER
    ids = [o.id for o in opts]
    if len(set(ids)) != len(ids) or not set(ids) <= set(CHOICE_IDS) or not {"yes", "no"} <= set(ids):
        raise DeliberationInvalid("a 찬반형 (choice) vote's options are yes, no and optionally other")
    by_id = {o.id: o for o in opts}
    return tuple(by_id[i] for i in CHOICE_IDS if i in by_id)


@dataclass(frozen=True)
class Period:
    opens_at: datetime
    closes_at: datetime

    @property
    def length(self) -> timedelta:
        return self.closes_at - self.opens_at


def period_for(
    kind: DeliberationKind,
    now: datetime,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    days: int | None = None,
    allow_short: bool = False,
) -> Period:
    """The voting period: from `opens_at` (default now) to `closes_at`, else `days` later
    (default 30). Consultations run at least 30 days unless `allow_short` (an operator's explicit
    override)."""
    if closes_at is not None and days is not None:
        raise DeliberationInvalid("give closes_at or days, not both", code="invalid_period")
    # Whole seconds: the bounds travel to voting-svc and back through MongoDB (milliseconds), and
    # the same announcement delivered twice must compare equal.
    start = (opens_at or now).replace(microsecond=0)
    if start < now - START_SKEW:
        raise DeliberationInvalid("the voting period cannot start in the past", code="invalid_period")
    end = (closes_at or start + (days if days is not None else DEFAULT_DAYS) * DAY).replace(microsecond=0)
    if end <= start:
        raise DeliberationInvalid("the voting period must end after it starts", code="invalid_period")
    if end - start > MAX_DAYS * DAY:
        raise DeliberationInvalid(f"a voting period is at most {MAX_DAYS} days", code="invalid_period")
    if kind == DeliberationKind.CONSULTATION and end - start < CONSULTATION_MIN_DAYS * DAY and not allow_short:
        raise DeliberationInvalid(
            f"a city consultation runs at least {CONSULTATION_MIN_DAYS} days (여론수렴기간 30일 이상)",
            code="period_too_short",
        )
    return Period(start, end)


@dataclass(frozen=True)
class PeriodAsk:
    """The period as asked; decided against the platform clock when the item opens."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    days: int | None = None
    allow_short: bool = False

    def period(self, kind: DeliberationKind, now: datetime) -> Period:
        return period_for(
            kind, now, opens_at=self.opens_at, closes_at=self.closes_at, days=self.days, allow_short=self.allow_short
        )


class Status(StrEnum):
    SCHEDULED = "scheduled"  # 예정
    OPEN = "open"  # 진행중
    COUNTING = "counting"  # 마감, 결과 집계 중
    CLOSED = "closed"  # 결과 공개


STATUS_KO = {Status.SCHEDULED: "예정", Status.OPEN: "진행중", Status.COUNTING: "집계중", Status.CLOSED: "결과공개"}


@dataclass(frozen=True)
class Result:
    """The final counts voting-svc published when the period ended."""

    total: int
    counts: Mapping[str, int]
    closed_at: datetime
    published_at: datetime


@dataclass
class Deliberation:
    id: str
    kind: DeliberationKind
    agency: str
    title: str
    body: str
    category: str
    department_id: str | None
    ballot: BallotSpec
    period: Period
    created_at: datetime
    created_by: str
    creator_role: ActorRole
    source_item_id: str | None = None  # the proposal a debate grew from
    participants: int = 0
    result: Result | None = None
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def status(self, now: datetime) -> Status:
        if self.result is not None:
            return Status.CLOSED
        if now < self.period.opens_at:
            return Status.SCHEDULED
        return Status.OPEN if now < self.period.closes_at else Status.COUNTING

    @property
    def answer_due_days(self) -> int:
        return ANSWER_DUE_DAYS[self.kind]


def percent(count: int, total: int) -> float:
    """Share of the participants, one decimal (문답형 shares add up to more than 100)."""
    return 0.0 if total <= 0 else round(count * 100 / total, 1)


def result_rows(spec: BallotSpec, result: Result) -> dict[str, Any]:
    """The published result as bars: per option (per question for research) count and %."""

    def row(key: str, o: BallotOption) -> dict[str, Any]:
        n = int(result.counts.get(key, 0))
        return {"id": o.id, "label": o.label, "count": n, "percent": percent(n, result.total)}

    return {
        "total": result.total,
        "options": [row(o.id, o) for o in spec.options],
        "questions": [
            {"id": q.id, "label": q.label, "options": [row(f"{q.id}:{o.id}", o) for o in q.options]}
            for q in spec.questions
        ],
    }


def result_summary(spec: BallotSpec, result: Result) -> str:
    """One line for the timeline: 참여 369명: 찬성 115명(31.2%), 반대 251명(68.0%), 기타 3명(0.8%)."""
    head = f"참여 {result.total:,}명"
    if spec.vote_type == VoteType.RESEARCH or not spec.options:
        return head
    parts = [
        f"{o.label} {int(result.counts.get(o.id, 0)):,}명({percent(int(result.counts.get(o.id, 0)), result.total)}%)"
        for o in spec.options
    ]
    return f"{head}: {', '.join(parts)}"
