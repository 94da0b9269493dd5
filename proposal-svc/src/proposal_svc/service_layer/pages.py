"""A page of a list and its next cursor. Cursors are opaque to the caller: sealed for one list
(a scope), so a cursor of one list is refused by another (400 `invalid_cursor`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from gongnon_chassis.cursors import REFUSED, CursorSigner
from gongnon_chassis.errors import InvalidCursor
from proposal_svc.domain.listing import BadCursor, Cursor, cursor_fields, cursor_from_fields

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    now: datetime | None = field(default=None, compare=False)  # what the page's D-days count from


def seal(cursors: CursorSigner, scope: str, c: Cursor) -> str:
    return cursors.seal_fields(scope, cursor_fields(c))


def unseal(cursors: CursorSigner, scope: str, text: str, sort: str) -> Cursor:
    """The position a cursor this service issued for `scope` holds; InvalidCursor otherwise."""
    try:
        return cursor_from_fields(cursors.open_fields(scope, text), sort)
    except BadCursor as exc:
        raise InvalidCursor(REFUSED, details={"reason": str(exc)}) from exc
