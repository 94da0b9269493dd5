"""Kafka topics. Every event is keyed by its subject (the item id) so that one item's events
stay in order on one partition."""

from enum import StrEnum


class Topic(StrEnum):
    PROPOSALS = "gongnon.proposals"  # proposal-svc: items, stages, milestones, timeline
    VOTES = "gongnon.votes"  # voting-svc: the accepted-vote log (private: carries identities)
    TALLIES = "gongnon.tallies"  # voting-svc: coalesced tally snapshots
    REVIEWS = "gongnon.reviews"  # review-svc: cases, answers, approvals
    NOTIFICATIONS = "gongnon.notifications"  # notify-svc: notifications created
    AGENCIES = "gongnon.agencies"  # gateway: partner agencies registered, updated, closed
    PUBLIC = "gongnon.public"  # notify-svc: the public stream for agencies (public_events.py)
    ACCOUNTS = "gongnon.accounts"  # gateway: accounts' contact facts for notify-svc (private: e-mails)

    @classmethod
    def all(cls) -> list[str]:
        return [t.value for t in cls]
