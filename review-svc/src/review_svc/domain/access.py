"""Who may do what with a case: officers act only for their own department, operators approve
and assign within their agency. Decided here from plain values, so it is testable without HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.refusals import Forbidden, NotFound

OPERATOR_ROLES = frozenset({ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN, ActorRole.SUPER_ADMIN})
# The head of agency answers the cases routed to the head's own department, like an officer.
DEPARTMENT_ROLES = frozenset({ActorRole.OFFICER, ActorRole.HEAD})


@dataclass(frozen=True)
class Caller:
    account_id: str
    role: ActorRole
    agency: str
    department_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATOR_ROLES

    @property
    def speaks_for_department(self) -> bool:
        return self.role in DEPARTMENT_ROLES and bool(self.department_id)


def require_operator(caller: Caller) -> None:
    if not caller.is_operator:
        raise Forbidden("only an operator (운영자) may do this")


def require_same_agency(caller: Caller, agency: str) -> None:
    # Another agency's case is reported as absent, not forbidden: its existence is private too.
    if caller.role != ActorRole.SUPER_ADMIN and caller.agency != agency:
        raise NotFound("no such review case", code="case_not_found")


def require_department(caller: Caller, department_id: str | None) -> None:
    """The caller must be an officer (or the head) of exactly this department."""
    if not caller.speaks_for_department:
        raise Forbidden("only the assigned department's officer may do this")
    if caller.department_id != department_id:
        raise Forbidden("this case belongs to another department", code="not_your_department")


def require_viewer(caller: Caller, agency: str, department_id: str | None) -> None:
    if caller.is_operator:
        require_same_agency(caller, agency)
        return
    require_department(caller, department_id)


def require_committee(caller: Caller, agency: str) -> None:
    """제안실현위원회 work: the agency's committee members score; nobody else does."""
    if caller.role != ActorRole.COMMITTEE:
        raise Forbidden("only a member of the committee (제안실현위원회) may do this", code="not_committee")
    if caller.agency != agency:
        raise NotFound("no such agenda item", code="agenda_not_found")


def require_committee_or_operator(caller: Caller, agency: str) -> None:
    """The plan is written by the committee's members with the operators (운영팀), of the agency."""
    if caller.role != ActorRole.COMMITTEE and not caller.is_operator:
        raise Forbidden("only the committee or an operator may do this", code="not_committee")
    if caller.role != ActorRole.SUPER_ADMIN and caller.agency != agency:
        raise NotFound("no such agenda item", code="agenda_not_found")
