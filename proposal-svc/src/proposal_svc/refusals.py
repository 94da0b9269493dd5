"""The domain's refusals as the chassis' HTTP errors (the domain itself knows no HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gongnon_chassis.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from proposal_svc.domain.moderation import Refused

_KINDS: dict[str, type[DomainError]] = {
    "invalid": Invalid,
    "conflict": Conflict,
    "forbidden": Forbidden,
    "not_found": NotFound,
}


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except Refused as r:
        raise _KINDS[r.kind](r.message, code=r.code) from r
