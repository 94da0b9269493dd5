"""Open data's row without I/O: every schema field, only public facts, the published answer and
the decided vote only."""

from __future__ import annotations

from datetime import UTC, datetime

from gongnon_contracts.events.common import ActorRole
from proposal_svc.domain.open_data import FIELDS, row
from proposal_svc.domain.presets import preset
from proposal_svc.domain.proposal import Proposal

CREATED = datetime(2025, 6, 1, tzinfo=UTC)
CHANGED = datetime(2025, 6, 2, tzinfo=UTC)


def proposal(i: int) -> Proposal:
    return Proposal(
        id=f"pr_{i:05d}",
        agency="seoul",
        title="따릉이 대여소를 늘려주세요",
        body="본문입니다. 충분히 긴 본문.",
        category="transport",
        district="mapo",
        hashtags=[],
        author_account=f"acc-{i}",
        author_name="홍길동",
        author_role=ActorRole.CITIZEN,
        created_at=CREATED,
        rule_set=preset("democracy-seoul-2019"),
        listed=True,
        support_count=51,
    )


def test_a_row_has_every_schema_field_and_no_private_one() -> None:
    p = proposal(1)
    r = row(p, None)
    assert tuple(r) == FIELDS
    assert r["updated_at"] == p.created_at  # never changed since it was submitted
    assert p.author_account not in r.values()
    assert p.author_name not in r.values()
    assert (r["answer_decision"], r["decision_vote_passed"], r["civic_stage"]) == (None, None, None)


def test_only_the_published_answer_and_the_decided_vote_show() -> None:
    p = proposal(2)
    p.cases = {
        "c1": {"status": "awaiting_approval", "decision": "reject", "department_name": "A과"},
        "c2": {"status": "published", "decision": "accept", "department_name": "B과", "published_at": CHANGED},
    }
    p.decision_vote = {"status": "open", "quorum": 1000}
    r = row(p, CHANGED)
    assert (r["answer_department"], r["answer_decision"], r["answer_published_at"]) == ("B과", "accept", CHANGED)
    assert r["decision_vote_quorum"] is None  # still open: no result to publish
    p.decision_vote = {"status": "decided", "yes": 5001, "no": 4999, "quorum": 10000, "passed": True}
    p.civic = {"stage": "execution", "progress_pct": 40}
    r = row(p, CHANGED)
    assert (r["decision_vote_yes"], r["decision_vote_passed"], r["execution_progress_pct"]) == (5001, True, 40)
    assert r["updated_at"] == CHANGED
