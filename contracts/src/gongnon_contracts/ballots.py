"""The shape of a ballot, shared by everyone who defines, carries or counts one: proposal-svc
checks a debate's or consultation's definition, `deliberation.opened` carries it, voting-svc
counts against it, and the gateway takes it in. One definition, so an option id the one accepts
is an id the other can store (ids become Redis hash fields and MongoDB keys in voting-svc).

What a ballot of each vote type may hold (찬반형 yes/no/other, 문답형 at least two options …) is
each service's domain rule; the parts and the id rule are here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ID_MAX = 32
LABEL_MAX = 200
OPTIONS_MAX = 32
QUESTIONS_MAX = 32
CHOICES_MAX = 32  # a 문답형 vote picks at most this many

# Lowercase, so "Yes" and "yes" are never two options; the request models accept any short key so
# that a wrong one gets the services' own explanation (invalid_ballot) rather than a bare 422.
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ID_MAX)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_MAX)]


class BallotOption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Key
    label: Label


class BallotQuestion(BaseModel):
    """A 리서치형 question: one answer among its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Key
    label: Label
    options: tuple[BallotOption, ...] = Field(min_length=2, max_length=OPTIONS_MAX)


def option(id: str, label: str) -> BallotOption:
    return BallotOption(id=id, label=label)


# 찬반형 keeps these ids whatever the labels; a decision vote (주민결정) is yes or no.
YES_NO_OTHER = (option("yes", "찬성"), option("no", "반대"), option("other", "기타"))
YES_NO = YES_NO_OTHER[:2]
CHOICE_IDS = tuple(o.id for o in YES_NO_OTHER)


def id_problem(ids: Sequence[str], what: str) -> str | None:
    """Why these ids cannot name a ballot's options or questions, or None when they can."""
    bad = [i for i in ids if not CHOICE_ID.match(i)]
    if bad:
        return f"{what} ids must be lowercase letters, digits, _ or - (max {ID_MAX}): {', '.join(bad)}"
    if len(set(ids)) != len(ids):
        return f"{what} ids must be unique"
    return None
