"""Offline ballots (현장 투표): votes collected at offices, imported by an operator in one batch.

Pure rules: which lines of a batch can become votes, in what order, with which ids. The gateway
has already resolved every line's identity to a citizen key (or rejected the line); here each
line's choices are checked against the ballot and a citizen named twice in one file counts once.

Ids are derived from (item, import, line), so importing the same file again produces the same
votes and events: a batch interrupted half-way can be uploaded again and nothing counts twice."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gongnon_contracts.refusals import Invalid
from voting_svc.domain.ballot import Ballot, VoteRejected


class RejectReason(StrEnum):
    ALREADY_VOTED = "already_voted"  # voted online, or in an earlier import
    DUPLICATE_IN_FILE = "duplicate_in_file"  # an earlier line of the same file names this citizen
    INVALID_CHOICE = "invalid_choice"  # the ballot does not take these choices
    MALFORMED = "malformed"  # the gateway could not read the line
    UNKNOWN_IDENTITY = "unknown_identity"  # the identity provider did not recognise the person


MESSAGES: Mapping[RejectReason, str] = {
    RejectReason.ALREADY_VOTED: "this citizen has already voted on this item",
    RejectReason.DUPLICATE_IN_FILE: "an earlier line of this file names the same citizen",
    RejectReason.INVALID_CHOICE: "the choices do not fit this ballot",
    RejectReason.MALFORMED: "the line could not be read",
    RejectReason.UNKNOWN_IDENTITY: "the identity could not be verified",
}


@dataclass(frozen=True)
class OfflineLine:
    """One line the gateway resolved: its number in the file, the citizen key and raw choices."""

    line: int
    citizen_key: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reject:
    line: int
    reason: RejectReason
    message: str = ""

    def text(self) -> str:
        return self.message or MESSAGES[self.reason]


@dataclass(frozen=True)
class OfflineVote:
    line: int
    citizen_key: str
    choices: tuple[str, ...]
    vote_id: str
    event_id: str


@dataclass
class ImportPlan:
    votes: list[OfflineVote] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class BatchInvalid(Invalid):
    """A batch that cannot be imported as sent (a line number twice)."""

    code = "invalid_batch"


def offline_ids(item_id: str, import_id: str, line: int) -> tuple[str, str]:
    """(vote id, event id) of a line: the same file on the same item always gives the same ids."""
    digest = hashlib.sha256(f"{item_id}|{import_id}|{line}".encode()).hexdigest()[:24]
    return f"vo_{digest}", f"ev_vo_{digest}"


def plan_import(ballot: Ballot, import_id: str, lines: Sequence[OfflineLine], rejected: Sequence[Reject]) -> ImportPlan:
    """The votes to record, in file order, and every line refused so far (with its reason)."""
    numbers = [ln.line for ln in lines] + [r.line for r in rejected]
    if len(set(numbers)) != len(numbers):
        raise BatchInvalid("a line number appears twice in the batch")
    plan = ImportPlan(rejects=list(rejected))
    first_line: dict[str, int] = {}
    for ln in sorted(lines, key=lambda x: x.line):
        try:
            picked = ballot.normalize(ln.choices)
        except VoteRejected as exc:
            plan.rejects.append(Reject(ln.line, RejectReason.INVALID_CHOICE, exc.message))
            continue
        earlier = first_line.get(ln.citizen_key)
        if earlier is not None:
            plan.rejects.append(
                Reject(ln.line, RejectReason.DUPLICATE_IN_FILE, f"line {earlier} names the same citizen")
            )
            continue
        first_line[ln.citizen_key] = ln.line
        vote_id, event_id = offline_ids(ballot.item_id, import_id, ln.line)
        plan.votes.append(OfflineVote(ln.line, ln.citizen_key, picked, vote_id, event_id))
    return plan


@dataclass(frozen=True)
class ImportReport:
    """What an import did, line by line; stored, and returned again for the same file."""

    import_id: str
    item_id: str
    kind: str
    source_name: str
    lines: int
    accepted: int
    rejects: tuple[Reject, ...]
    imported_at: datetime
    imported_by: str

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rejects:
            out[r.reason.value] = out.get(r.reason.value, 0) + 1
        return out
