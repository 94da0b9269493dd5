"""Kafka for partner agencies that run Kafka clients (docs/federation.md): an agency's admin (or a
super admin) gets a SASL/SCRAM-SHA-512 user that may only read `gongnon.public` under the group
prefix `agency-<id>.`; asking again rotates the password; DELETE revokes it."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gongnon_gateway.api.deps import AgencyPath, ContextDep, CurrentAccount
from gongnon_gateway.api.schemas import ERROR_RESPONSES
from gongnon_gateway.core.agencies import require_manager, require_open
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.core.kafka_access import MECHANISM, PUBLIC_TOPIC, KafkaAccess, group_prefix_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["federation"], responses=ERROR_RESPONSES)
PATH = "/api/agencies/{agency}/kafka-credentials"


class KafkaCredentialsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bootstrap": "127.0.0.1:9093",
                    "security_protocol": "SASL_PLAINTEXT",
                    "mechanism": "SCRAM-SHA-512",
                    "username": "agency-gangnam",
                    "password": "Xq3…",
                    "topic": "gongnon.public",
                    "group_prefix": "agency-gangnam.",
                }
            ]
        }
    )

    bootstrap: str = Field(description="host:port of the SASL/SCRAM listener")
    security_protocol: str = Field(description="SASL_PLAINTEXT (loopback, development) or SASL_SSL")
    mechanism: str = Field(description="SCRAM-SHA-512")
    username: str = Field(description="agency-<id>")
    password: str = Field(description="Shown only here; asking again issues a new one (the old one stops working)")
    topic: str = Field(description="The one topic the user may read: gongnon.public")
    group_prefix: str = Field(description="Consumer groups must start with it: agency-<id>.")


class KafkaAccessOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "agency-gangnam",
                    "active": True,
                    "acls": ["READ TOPIC gongnon.public (LITERAL)", "READ GROUP agency-gangnam. (PREFIXED)"],
                    "bootstrap": "127.0.0.1:9093",
                    "mechanism": "SCRAM-SHA-512",
                    "topic": "gongnon.public",
                    "group_prefix": "agency-gangnam.",
                }
            ]
        }
    )

    username: str
    active: bool = Field(description="Whether the user exists (credentials were issued and not revoked)")
    acls: list[str] = Field(description="The user's ACLs as Kafka holds them: 'READ TOPIC gongnon.public (LITERAL)'")
    bootstrap: str
    mechanism: str
    topic: str
    group_prefix: str


async def get_kafka_access(request: Request, ctx: ContextDep) -> KafkaAccess:
    access: KafkaAccess | None = getattr(request.app.state, "kafka_access", None)
    if access is None:
        access = request.app.state.kafka_access = KafkaAccess.of(ctx.settings)
    return access


KafkaAccessDep = Annotated[KafkaAccess, Depends(get_kafka_access)]


def _registry(request: Request) -> AgencyRegistry:
    registry: AgencyRegistry = request.app.state.agencies
    return registry


@router.post(PATH, status_code=201, response_model=KafkaCredentialsOut)
async def issue_kafka_credentials(
    agency: AgencyPath, me: CurrentAccount, access: KafkaAccessDep, request: Request, response: Response
) -> KafkaCredentialsOut:
    """Issue (or rotate) the agency's Kafka user (its admin or a super admin; another agency's
    admin: 403). The password is shown once. 409 `agency_closed`; 503 `kafka_access_unavailable`
    when the platform has no listener for agencies."""
    require_manager(me, agency)
    require_open(await _registry(request).get(agency))
    creds = await access.grant(agency)
    log.info("kafka credentials issued for agency %s by %s", agency, me.account_id)
    response.headers["Cache-Control"] = "no-store"
    return KafkaCredentialsOut(**creds.__dict__)


@router.get(PATH, response_model=KafkaAccessOut)
async def kafka_access_state(
    agency: AgencyPath, me: CurrentAccount, access: KafkaAccessDep, request: Request
) -> KafkaAccessOut:
    """Whether the agency has a Kafka user and which ACLs it holds (never the password)."""
    require_manager(me, agency)
    await _registry(request).get(agency)
    state = await access.state(agency)
    return KafkaAccessOut(
        username=state.username,
        active=state.has_user,
        acls=state.acls,
        bootstrap=access.scram_bootstrap,
        mechanism=MECHANISM,
        topic=PUBLIC_TOPIC,
        group_prefix=group_prefix_of(agency),
    )


@router.delete(PATH, status_code=204, response_class=Response)
async def revoke_kafka_credentials(
    agency: AgencyPath, me: CurrentAccount, access: KafkaAccessDep, request: Request
) -> Response:
    """Revoke the agency's Kafka user: its ACLs go first (open connections lose access at once),
    then the user (no new connection). Revoking what is not there is no error."""
    require_manager(me, agency)
    await _registry(request).get(agency)
    removed = await access.revoke(agency)
    log.info("kafka credentials of agency %s revoked by %s (anything there: %s)", agency, me.account_id, removed)
    return Response(status_code=204)
