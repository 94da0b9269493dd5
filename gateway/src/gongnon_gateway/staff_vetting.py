"""What a staff account may be created in: an agency the registry knows and that is open, and,
for a department's staff (officers), a department of that same agency that review-svc knows
and has not archived (asked over HTTP: `GET /departments/{id}`)."""

from __future__ import annotations

from gongnon_chassis.errors import Invalid
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core import agencies as rules
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.upstream import Service, Upstream, UpstreamFailed


class StaffVetting:
    def __init__(self, agencies: AgencyRegistry, upstream: Upstream) -> None:
        self._agencies = agencies
        self._upstream = upstream

    async def __call__(self, agency_id: str, role: ActorRole, department_id: str | None) -> None:
        agency = await self._agencies.find(agency_id)
        if agency is None:
            raise Invalid(
                f"there is no agency {agency_id!r}",
                code="unknown_agency",
                details=[{"loc": ["body", "agency"], "msg": "not a registered agency", "type": "value_error"}],
            )
        rules.require_open(agency)
        if department_id is not None:
            await self.department_of(agency_id, department_id)

    async def department_of(self, agency_id: str, department_id: str) -> None:
        """The department exists, is the agency's and is not archived (422 otherwise)."""
        reply = await self._upstream.request(Service.REVIEW, "GET", f"/departments/{department_id}")
        if reply.status == 404:
            raise Invalid(f"there is no department {department_id!r}", code="unknown_department")
        data = reply.json()
        if not reply.ok or not isinstance(data, dict):
            raise UpstreamFailed(
                "review-svc could not say whether the department exists",
                details={"service": Service.REVIEW.value, "status": reply.status},
            )
        if data.get("agency") != agency_id:
            raise Invalid(f"the department {department_id!r} is not {agency_id}'s", code="unknown_department")
        if data.get("archived"):
            raise Invalid(f"the department {department_id!r} is archived", code="department_archived")
