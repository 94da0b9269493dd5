"""Staff accounts, created by an operator or an administrator."""

from __future__ import annotations

from fastapi import APIRouter

from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.api.deps import AccountsDep, ContextDep, CurrentAccount
from gongnon_gateway.api.routes.agencies import AgenciesDep
from gongnon_gateway.api.schemas import ERROR_RESPONSES, AccountOut, StaffAccountIn
from gongnon_gateway.staff_vetting import StaffVetting

router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)


@router.post("/api/admin/accounts", status_code=201, response_model=AccountOut)
async def create_staff_account(
    body: StaffAccountIn, me: CurrentAccount, accounts: AccountsDep, ctx: ContextDep, agencies: AgenciesDep
) -> AccountOut:
    """super_admin: any staff role; agency_admin: officer, operator, committee, head;
    operator: officer, committee, head. Only super_admin may name another agency. The agency must
    be registered and open (422 `unknown_agency`, 409 `agency_closed`); a department_id must be
    an active department of that agency (422 `unknown_department`, `department_archived`)."""
    account = await accounts.create_staff(
        me,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        role=ActorRole(body.role),
        department_id=body.department_id,
        agency=body.agency,
        vet=StaffVetting(agencies, ctx.upstream),
    )
    return AccountOut.of(account)
