"""What an author may still do with their proposal: edit it until the first support, withdraw
it. Pure.

Editing stops at the first support (공감) because a supporter agreed to the text as it was;
withdrawing never deletes anything: the item stays readable with its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongnon_contracts.refusals import Conflict, Forbidden
from proposal_svc.domain import moderation
from proposal_svc.domain.proposal import Proposal, normalize_hashtags
from proposal_svc.domain.search import title_tokens


@dataclass(frozen=True)
class Edit:
    """The fields an edit sets; None leaves a field as it was (district: use clear_district)."""

    title: str | None = None
    body: str | None = None
    category: str | None = None
    district: str | None = None
    clear_district: bool = False
    hashtags: list[str] | None = None


def check_author(p: Proposal, account_id: str) -> None:
    if p.author_account != account_id:
        raise Forbidden("only the author may do this", code="not_author")


def check_editable(p: Proposal, account_id: str) -> None:
    check_author(p, account_id)
    if p.withdrawn_at is not None:
        raise Conflict("the proposal was withdrawn", code="withdrawn")
    if p.moderation != moderation.VISIBLE:
        raise Conflict("the proposal is under moderation", code="moderated")
    if p.closed_at is not None:
        raise Conflict("the proposal is closed", code="closed")
    if p.support_count > 0:
        raise Conflict("a proposal cannot be edited once it has a support (공감)", code="edit_locked")


def apply_edit(p: Proposal, edit: Edit, at: datetime) -> list[str]:
    """Change the proposal; returns the names of the fields that really changed."""
    changed: list[str] = []
    new_district = None if edit.clear_district else (edit.district if edit.district is not None else p.district)
    updates = {
        "title": edit.title if edit.title is not None else p.title,
        "body": edit.body if edit.body is not None else p.body,
        "category": edit.category if edit.category is not None else p.category,
        "district": new_district,
        "hashtags": normalize_hashtags(edit.hashtags) if edit.hashtags is not None else p.hashtags,
    }
    for name, value in updates.items():
        if getattr(p, name) != value:
            setattr(p, name, value)
            changed.append(name)
    if changed:
        p.edited_at = at
    return changed


def edited_fields(p: Proposal) -> dict[str, object]:
    """What the repository writes for an edit (title tokens follow the title)."""
    return {
        "title": p.title,
        "body": p.body,
        "category": p.category,
        "district": p.district,
        "hashtags": p.hashtags,
        "title_tokens": title_tokens(p.title),
        "edited_at": p.edited_at,
    }


def withdraw(p: Proposal, account_id: str, at: datetime) -> bool:
    """Withdraw the proposal; True when this also closes it (it was still gathering support)."""
    check_author(p, account_id)
    if p.withdrawn_at is not None:
        raise Conflict("the proposal is already withdrawn", code="already_withdrawn")
    p.withdrawn_at = at
    if p.closed_at is None:
        p.closed_at = at
        return True
    return False
