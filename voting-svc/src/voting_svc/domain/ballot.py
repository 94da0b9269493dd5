"""A ballot: what can be voted on an item, and whether a given vote is valid.

One ballot per item. Choices travel as plain strings so every kind fits the same vote record
(`VoteCast.choices`) and the same counters:
- support, discussion: no choices (the vote itself is the support / participation);
- choice (찬반형) and decision (결정): exactly one option id, e.g. ["yes"];
- multi (문답형): 1..max_choices distinct option ids;
- research (리서치형): one answer per question, each as "question_id:option_id".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gongnon_contracts.ballots import YES_NO, YES_NO_OTHER, BallotOption, BallotQuestion, id_problem
from gongnon_contracts.refusals import Conflict, Invalid, Refusal
from voting_svc.domain.decision import QuorumPolicy

# The parts of a ballot (options, questions) and the rule for their ids are the contract's: ids
# become Redis hash fields and MongoDB field names, so they stay plain (no ".", "$" or ":") and
# "q:a" for research answers is unambiguous. What each kind of ballot may hold is decided here.


class VoteKind(StrEnum):
    SUPPORT = "support"  # 공감
    CHOICE = "choice"  # 찬반형 yes / no / other, labels per item
    DISCUSSION = "discussion"  # 토론형: support the topic, participation counted
    RESEARCH = "research"  # 리서치형: several questions, one answer each
    MULTI = "multi"  # 문답형: pick up to N options
    DECISION = "decision"  # 결정: yes / no with a budget quorum


class BallotStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class VoteRejected(Refusal):
    """A vote the ballot does not accept; `code` is the machine-readable reason."""


class ChoiceInvalid(VoteRejected, Invalid):
    code = "invalid_choice"


class VotingClosed(VoteRejected, Conflict):
    code = "voting_closed"


class VotingNotOpen(VoteRejected, Conflict):
    code = "voting_not_open"


class BallotInvalid(Invalid):
    """A ballot definition that cannot be used."""

    code = "invalid_ballot"


_NO_CHOICE_KINDS = frozenset({VoteKind.SUPPORT, VoteKind.DISCUSSION})


@dataclass(frozen=True)
class Ballot:
    item_id: str
    kind: VoteKind
    agency: str
    status: BallotStatus = BallotStatus.OPEN
    options: tuple[BallotOption, ...] = ()
    questions: tuple[BallotQuestion, ...] = ()
    max_choices: int = 1
    budget_krw: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    quorum: int | None = None  # decision: fixed when the vote opens, from the rule set's policy
    source_item_id: str | None = None  # decision: the item decided on

    @classmethod
    def support(cls, item_id: str, agency: str) -> Ballot:
        return cls(item_id=item_id, kind=VoteKind.SUPPORT, agency=agency)

    @classmethod
    def define(
        cls,
        item_id: str,
        kind: VoteKind,
        agency: str,
        *,
        options: Sequence[BallotOption] = (),
        questions: Sequence[BallotQuestion] = (),
        max_choices: int | None = None,
        budget_krw: int | None = None,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
        quorum_policy: QuorumPolicy | None = None,
        source_item_id: str | None = None,
    ) -> Ballot:
        """A checked ballot of any kind; defaults fill in the usual yes/no(/other) options."""
        opts = tuple(options)
        qs = tuple(questions)
        if kind in _NO_CHOICE_KINDS and (opts or qs):
            raise BallotInvalid(f"a {kind} ballot has no options")
        if kind == VoteKind.CHOICE:
            opts = opts or YES_NO_OTHER
        if kind == VoteKind.DECISION:
            if opts and {o.id for o in opts} != {"yes", "no"}:
                raise BallotInvalid("a decision ballot's options are yes and no (labels may change)")
            opts = opts or YES_NO
            if budget_krw is None or budget_krw < 0:
                raise BallotInvalid("a decision ballot needs the project's budget in KRW (>= 0)")
            try:
                quorum: int | None = (quorum_policy or QuorumPolicy()).quorum(budget_krw)
            except ValueError as exc:
                raise BallotInvalid(str(exc)) from exc
        elif budget_krw is not None or quorum_policy is not None or source_item_id is not None:
            raise BallotInvalid("only a decision ballot has a budget, a quorum and a source item")
        else:
            quorum = None
        if kind == VoteKind.MULTI and len(opts) < 2:
            raise BallotInvalid("a multiple-choice ballot needs at least two options")
        if kind == VoteKind.RESEARCH:
            if opts:
                raise BallotInvalid("a research ballot has questions, not top-level options")
            if not qs:
                raise BallotInvalid("a research ballot needs at least one question")
            _check_ids([q.id for q in qs], "question")
            for q in qs:
                if len(q.options) < 2:
                    raise BallotInvalid(f"question {q.id} needs at least two options")
                _check_ids([o.id for o in q.options], f"option of question {q.id}")
        elif qs:
            raise BallotInvalid(f"a {kind} ballot has no questions")
        _check_ids([o.id for o in opts], "option")
        n = 1
        if kind == VoteKind.MULTI:
            n = max_choices if max_choices is not None else len(opts)
            if not 1 <= n <= len(opts):
                raise BallotInvalid(f"max_choices must be between 1 and {len(opts)}")
        elif max_choices not in (None, 1):
            raise BallotInvalid("only a multiple-choice ballot picks more than one option")
        if opens_at and closes_at and closes_at <= opens_at:
            raise BallotInvalid("the ballot must close after it opens")
        return cls(
            item_id=item_id,
            kind=kind,
            agency=agency,
            options=opts,
            questions=qs,
            max_choices=n,
            budget_krw=budget_krw,
            opens_at=opens_at,
            closes_at=closes_at,
            quorum=quorum,
            source_item_id=source_item_id,
        )

    def close(self) -> Ballot:
        return replace(self, status=BallotStatus.CLOSED)

    def check_open(self, now: datetime) -> None:
        if self.status == BallotStatus.CLOSED or (self.closes_at is not None and now >= self.closes_at):
            raise VotingClosed("voting on this item has ended")
        if self.opens_at is not None and now < self.opens_at:
            raise VotingNotOpen("voting on this item has not started yet")

    def normalize(self, choices: Sequence[str]) -> tuple[str, ...]:
        """The vote's choices in canonical order, or VoteRejected if this ballot cannot take them."""
        if self.kind in _NO_CHOICE_KINDS:
            if choices:
                raise ChoiceInvalid(f"a {self.kind} vote has no choices")
            return ()
        if len(set(choices)) != len(choices):
            raise ChoiceInvalid("a choice appears twice")
        if self.kind == VoteKind.RESEARCH:
            return self._normalize_research(choices)
        known = {o.id for o in self.options}
        unknown = [c for c in choices if c not in known]
        if unknown:
            raise ChoiceInvalid(f"unknown option(s): {', '.join(unknown)}")
        if not 1 <= len(choices) <= self.max_choices:
            raise ChoiceInvalid(
                "pick exactly one option" if self.max_choices == 1 else f"pick 1 to {self.max_choices} options",
            )
        order = {o.id: i for i, o in enumerate(self.options)}
        return tuple(sorted(choices, key=order.__getitem__))

    def _normalize_research(self, choices: Sequence[str]) -> tuple[str, ...]:
        answers: dict[str, str] = {}
        for c in choices:
            qid, sep, oid = c.partition(":")
            if not sep:
                raise ChoiceInvalid(f"answer {c!r} is not question:option")
            if qid in answers:
                raise ChoiceInvalid(f"question {qid} answered twice")
            answers[qid] = oid
        by_id = {q.id: q for q in self.questions}
        unknown_q = sorted(set(answers) - set(by_id))
        if unknown_q:
            raise ChoiceInvalid(f"unknown question(s): {', '.join(unknown_q)}")
        missing = [q.id for q in self.questions if q.id not in answers]
        if missing:
            raise ChoiceInvalid(f"answer every question; missing: {', '.join(missing)}")
        for qid, oid in answers.items():
            if oid not in {o.id for o in by_id[qid].options}:
                raise ChoiceInvalid(f"unknown option {oid} for question {qid}")
        return tuple(f"{q.id}:{answers[q.id]}" for q in self.questions)

    def option_keys(self) -> tuple[str, ...]:
        """Every key a count can have, so results show zeros too."""
        if self.kind == VoteKind.RESEARCH:
            return tuple(f"{q.id}:{o.id}" for q in self.questions for o in q.options)
        return tuple(o.id for o in self.options)


def _check_ids(ids: Sequence[str], what: str) -> None:
    problem = id_problem(ids, what)
    if problem:
        raise BallotInvalid(problem)
