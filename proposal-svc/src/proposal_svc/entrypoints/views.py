"""What the HTTP API shows of a proposal, its lists, a rule set and the reference data (JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS, STAGES
from proposal_svc.domain.presets import DEFAULT_PRESET, PRESETS
from proposal_svc.domain.proposal import Proposal, days_left
from proposal_svc.service_layer.pages import Page

EXCERPT_LEN = 160


def _labelled(table: dict[str, dict[str, str]], key: str | None) -> dict[str, str] | None:
    return None if key is None else {"key": key, **table.get(key, {"ko": key, "en": key})}


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LEN else text[:EXCERPT_LEN].rstrip() + "…"


def card(p: Proposal, now: datetime) -> dict[str, Any]:
    """The list entry."""
    return {
        "id": p.id,
        "agency": p.agency,
        "title": p.title,
        "excerpt": excerpt(p.body),
        "category": p.category,
        "category_label": _labelled(POLICY_CATEGORIES, p.category),
        "district": p.district,
        "district_label": _labelled(SEOUL_DISTRICTS, p.district),
        "hashtags": p.hashtags,
        "stage": p.stage,
        "stage_label": _labelled(STAGES, p.stage),
        "support_count": p.support_count,
        "listed": p.listed,
        "created_at": p.created_at,
        "closes_at": p.closes_at,
        "closed_at": p.closed_at,
        "days_left": None if p.closed_at else days_left(p.closes_at, now),
    }


def card_page(page: Page[Proposal], with_status: bool) -> dict[str, Any]:
    """A list page; an admin console's status tab shows each item's status too."""
    assert page.now is not None
    cards = []
    for p in page.items:
        shown = card(p, page.now)
        if with_status:  # the operators' list and its Excel export show where each item stands
            shown["status"] = p.status
            shown["author_name"] = p.author_name
            shown["cases"] = review_cases(p.cases)
        cards.append(shown)
    return {"items": cards, "next_cursor": page.next_cursor}


def detail(p: Proposal, now: datetime) -> dict[str, Any]:
    """The item page: the card plus the text, the rules it runs under and how far it got."""
    return {
        **card(p, now),
        "body": p.body,
        "author": {"account_id": p.author_account, "name": p.author_name, "role": p.author_role.value},
        "debate_participants": p.debate_participants,
        "rule_set_id": p.rule_set.id,
        "rule_set_version": p.rule_set.version,
        "rule_set_name": p.rule_set.name,
        "next_threshold": p.next_threshold(),
        "milestones": p.milestones,
        "expired_rule_ids": p.expired,
        "cases": review_cases(p.cases),
        "decision_vote": p.decision_vote,
        "civic": p.civic,
    }


def review_cases(cases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The review cases of an item as review-svc reported them (case_opened, answer …)."""
    keys = ("status", "department_id", "department_name", "due_at", "decision")
    return [{"case_id": cid, **{k: c.get(k) for k in keys}} for cid, c in cases.items()]


def timeline_entry(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in ("at", "kind", "actor_role", "summary", "data")}


def ruleset_version(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": d["version"],
        "preset": d.get("preset"),
        "census": d.get("census"),
        "rule_set": d.get("own"),
        "at": d["at"].isoformat() if hasattr(d["at"], "isoformat") else d["at"],
    }


def meta() -> dict[str, Any]:
    return {
        "categories": [{"key": k, **v} for k, v in POLICY_CATEGORIES.items()],
        "districts": [{"key": k, **v} for k, v in SEOUL_DISTRICTS.items()],
        "stages": [{"key": k, **v} for k, v in STAGES.items()],
        "presets": [
            {"id": rs.id, "name": rs.name, "version": rs.version, "description": rs.description}
            for rs in PRESETS.values()
        ],
        "default_preset": DEFAULT_PRESET,
    }
