"""Request and response models of the gateway's API. The gateway validates what it receives
before anything reaches a service, and the OpenAPI document at /openapi.json comes from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.errors import ErrorBody
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.accounts import Account

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "`invalid_cursor`: a list cursor the platform did not issue"},
    401: {"model": ErrorBody, "description": "Not signed in, or the token is not valid"},
    403: {"model": ErrorBody, "description": "The account's role does not allow this"},
    404: {"model": ErrorBody, "description": "Not found"},
    409: {"model": ErrorBody, "description": "Conflicts with the current state"},
    422: {"model": ErrorBody, "description": "The request is not valid"},
    429: {
        "model": ErrorBody,
        "description": "`rate_limited`: an API key's, a person's or an address's limit; wait `Retry-After` seconds",
    },
    502: {"model": ErrorBody, "description": "`upstream_error`: a service failed"},
    503: {"model": ErrorBody, "description": "`upstream_unavailable`: a service cannot be reached"},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- identity and accounts ---------------------------------------------------------------


class RegisterIn(_In):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str = Field(min_length=1, max_length=40)


class LoginIn(_In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class VerifyIn(_In):
    name: str = Field(min_length=1, max_length=50, description="Legal name (성명)")
    birth_date: date = Field(description="YYYY-MM-DD")
    phone: str = Field(min_length=9, max_length=20, pattern=r"^[0-9+\- ()]+$", description="Mobile phone number")


class StaffAccountIn(_In):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str = Field(min_length=1, max_length=40)
    role: Literal["officer", "operator", "committee", "head", "agency_admin"]
    department_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    agency: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9\-]{0,39}$", description="super admin only")


_ACCOUNT_EXAMPLE: dict[str, Any] = {
    "id": "acc_01J8Z5",
    "email": "citizen@example.org",
    "display_name": "시민",
    "role": "citizen",
    "agency": "seoul",
    "department_id": None,
    "verified": True,
    "created_at": "2026-05-04T09:00:00Z",
    "verified_at": "2026-05-04T09:05:00Z",
}


class AccountOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ACCOUNT_EXAMPLE]})

    id: str
    email: str
    display_name: str
    role: ActorRole
    agency: str
    department_id: str | None
    verified: bool
    created_at: datetime
    verified_at: datetime | None

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            agency=account.agency,
            department_id=account.department_id,
            verified=account.citizen_key is not None,
            created_at=account.created_at,
            verified_at=account.verified_at,
        )


class SessionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "v1.eyJhY2NvdW50X2lkIjoi….Q2hVbk", "account": _ACCOUNT_EXAMPLE}]}
    )

    token: str = Field(description="Send as 'Authorization: Bearer <token>'")
    account: AccountOut


# --- proposals, votes, review ----------------------------------------------------------


class ProposalIn(_In):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    category: str = Field(min_length=1, max_length=40, description="A 정책분류 key from GET /api/meta")
    district: str | None = Field(None, max_length=40, description="A 자치구 key from GET /api/meta")
    hashtags: list[str] | None = Field(None, max_length=20)
    agency: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9-]{1,30}$", description="The agency (기관) it is filed under (GET /api/agencies)"
    )


class AnswerIn(_In):
    decision: Literal["accept", "partial", "reject"] = Field(description="수용 / 부분수용 / 불수용")
    answer: str = Field(min_length=1, max_length=50_000)
    reason: str | None = Field(None, max_length=20_000, description="Required for partial and reject")


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=5_000)


class AssignIn(_In):
    department_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")


# --- test mode ---------------------------------------------------------------------------


class ClockAdvanceIn(_In):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    advance_s: float = Field(ge=0, le=10 * 365 * 86400, description="Seconds to move the platform clock forward")


class ClockOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"offset_s": 3600.0, "now": "2026-05-04T10:00:00Z", "refreshed": {"proposal-svc": "ok"}}]
        }
    )

    offset_s: float
    now: datetime
    refreshed: dict[str, str] = Field(default_factory=dict, description="Each service's answer to the refresh")
