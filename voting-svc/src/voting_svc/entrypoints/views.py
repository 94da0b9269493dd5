"""JSON shapes of ballots, tallies, accepted votes and offline import reports."""

from __future__ import annotations

from typing import Any

from gongnon_chassis.errors import DomainError, error_body, status_of
from voting_svc.domain.ballot import Ballot
from voting_svc.domain.offline import ImportReport
from voting_svc.service_layer.casting import Accepted, Outcome
from voting_svc.service_layer.tally_view import TallyReading


def ballot_out(b: Ballot) -> dict[str, Any]:
    return {
        "item_id": b.item_id,
        "kind": b.kind.value,
        "agency": b.agency,
        "status": b.status.value,
        "options": [o.model_dump(mode="json") for o in b.options],
        "questions": [q.model_dump(mode="json") for q in b.questions],
        "max_choices": b.max_choices,
        "budget_krw": b.budget_krw,
        "quorum": b.quorum,
        "source_item_id": b.source_item_id,
        "opens_at": b.opens_at.isoformat() if b.opens_at else None,
        "closes_at": b.closes_at.isoformat() if b.closes_at else None,
    }


def tally_out(r: TallyReading) -> dict[str, Any]:
    ballot, tally = r.ballot, r.tally
    out: dict[str, Any] = {
        "item_id": ballot.item_id,
        "kind": ballot.kind.value,
        "status": ballot.status.value,
        "total": tally.total,
        "counts": r.counts,
        "seq": tally.seq,
        "as_of": tally.as_of.isoformat() if tally.as_of else None,
        "live_total": r.live_total,
    }
    if r.decision is not None:
        d = r.decision
        out["decision"] = {
            "quorum": d.quorum,
            "turnout": d.turnout,
            "yes": d.yes,
            "no": d.no,
            "majority": d.majority,
            "quorum_met": d.quorum_met,
            "passed": d.passed,
        }
    return out


def supported(accepted: Accepted) -> dict[str, Any]:
    return {"item_id": accepted.item_id, "counted": True, "total": accepted.total}


def voted(accepted: Accepted) -> dict[str, Any]:
    return {"item_id": accepted.item_id, "kind": accepted.kind, "counted": True, "total": accepted.total}


def support_reply(outcome: Outcome) -> dict[str, Any]:
    """One support of a batch, answered as its own request would have been: {status, body}."""
    if isinstance(outcome, DomainError):
        return {"status": status_of(outcome), "body": error_body(outcome.code, outcome.message, outcome.details)}
    return {"status": 201, "body": supported(outcome)}


def report_out(report: ImportReport, *, replayed: bool) -> dict[str, Any]:
    return {
        "import_id": report.import_id,
        "item_id": report.item_id,
        "kind": report.kind,
        "source_name": report.source_name,
        "status": "completed",
        "replayed": replayed,
        "lines": report.lines,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "reasons": report.reasons(),
        "rejects": [{"line": r.line, "reason": r.reason.value, "message": r.text()} for r in report.rejects],
        "imported_at": report.imported_at.isoformat(),
        "imported_by": report.imported_by,
    }
