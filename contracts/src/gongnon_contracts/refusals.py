"""A domain's "no": what was asked cannot be done, why (a machine-readable code) and what to
show. Protocol-free, so domain modules raise these without knowing HTTP; the edge (the chassis's
errors.py) maps each kind to a status: invalid 422, not_found 404, conflict 409, forbidden 403,
gone 410, bad_request 400."""

from __future__ import annotations

from typing import Any, ClassVar


class Refusal(Exception):
    kind: ClassVar[str] = "bad_request"
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Invalid(Refusal):
    """The request is well formed but not acceptable (a rule set that cannot be evaluated)."""

    kind = "invalid"
    code = "invalid"


class NotFound(Refusal):
    kind = "not_found"
    code = "not_found"


class Conflict(Refusal):
    """Not in the item's present state (already answered, window closed, …)."""

    kind = "conflict"
    code = "conflict"


class Forbidden(Refusal):
    """Not for this actor (role, agency, department)."""

    kind = "forbidden"
    code = "forbidden"


class Gone(Refusal):
    kind = "gone"
    code = "gone"
