"""votes.recorded: what one ledger batch added to each agency's totals, one event per agency."""

from __future__ import annotations

from voting_svc.service_layer.recording import votes_recorded


def test_one_event_per_agency_with_the_votes_added_per_kind() -> None:
    events = votes_recorded(
        [
            ("seoul", "support", 3),
            ("busan", "support", 1),
            ("seoul", "support", 2),
            ("seoul", "choice", 4),
            ("busan", "decision", 0),  # an item whose votes were all repeats: moved nothing
        ]
    )
    assert [(e.agency, e.by_kind, e.items) for e in events] == [
        ("busan", {"support": 1}, 1),
        ("seoul", {"support": 5, "choice": 4}, 3),
    ]
    assert all(e.subject() == e.agency for e in events)  # keyed by the agency
    assert votes_recorded([("seoul", "support", 0)]) == []
