"""Kafka for partner agencies that run Kafka clients (docs/federation.md).

Each agency gets a SASL/SCRAM-SHA-512 user `agency-<id>` on Kafka's SCRAM listener, allowed to
read the public topic `gongnon.public` under its own consumer-group prefix `agency-<id>.`, and
nothing else: no internal topic (gongnon.proposals, gongnon.votes, …), no write, no other
agency's groups. The broker denies whatever no ACL allows (`allow.everyone.if.no.acl.found=false`,
infra/kafka/server.properties). Agency ids hold no dot, so no agency's group prefix is a prefix of
another's.

Granting again rotates the password (new connections need the new one). Revoking deletes the
ACLs first (they act on open connections at the next request) and then the user (no new
connection authenticates; an open session ends at its re-authentication,
`connections.max.reauth.ms`).

Kafka's admin API (AlterUserScramCredentials, CreateAcls, DeleteAcls) is reached through
confluent-kafka: aiokafka's admin client has neither. Its calls block on futures, so they run
in a worker thread."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from gongnon_chassis.errors import Unavailable
from gongnon_contracts.topics import Topic
from gongnon_gateway.core.config import GatewaySettings

MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192  # Kafka's minimum for SCRAM-SHA-512 is 4096
PUBLIC_TOPIC = Topic.PUBLIC.value
REQUEST_TIMEOUT_S = 15.0


def username_of(agency_id: str) -> str:
    return f"agency-{agency_id}"


def group_prefix_of(agency_id: str) -> str:
    return f"agency-{agency_id}."


@dataclass(frozen=True)
class KafkaCredentials:
    """What an agency's Kafka client needs; the password is shown once and never stored here."""

    bootstrap: str
    security_protocol: str
    mechanism: str
    username: str
    password: str
    topic: str
    group_prefix: str


@dataclass(frozen=True)
class KafkaAccessState:
    username: str
    has_user: bool
    acls: list[str]  # "READ TOPIC gongnon.public (LITERAL)" …


def agency_acls(agency_id: str) -> list[tuple[str, str, str, str]]:
    """(resource type, name, pattern type, operation), each ALLOW for the agency's user from any host."""
    return [
        ("TOPIC", PUBLIC_TOPIC, "LITERAL", "READ"),
        ("TOPIC", PUBLIC_TOPIC, "LITERAL", "DESCRIBE"),
        ("GROUP", group_prefix_of(agency_id), "PREFIXED", "READ"),
    ]


def admin_config(
    bootstrap: str, *, username: str = "", password: str = "", security_protocol: str = "SASL_PLAINTEXT"
) -> dict[str, Any]:
    """librdkafka settings for the admin client: a super user. Without a user name, the internal
    listener (its User:ANONYMOUS is a super user); with one, SCRAM-SHA-512 as that user."""
    conf: dict[str, Any] = {"bootstrap.servers": bootstrap, "log_level": 3}
    if username:
        conf |= {
            "security.protocol": security_protocol,
            "sasl.mechanism": MECHANISM,
            "sasl.username": username,
            "sasl.password": password,
        }
    return conf


class KafkaAccess:
    """Creates, rotates and revokes agencies' Kafka users and ACLs through Kafka's admin API."""

    def __init__(self, admin_conf: dict[str, Any], scram_bootstrap: str, security_protocol: str = "SASL_PLAINTEXT"):
        self.admin_conf = admin_conf
        self.scram_bootstrap = scram_bootstrap
        self.security_protocol = security_protocol

    @classmethod
    def of(cls, settings: GatewaySettings) -> KafkaAccess:
        """From the gateway's settings: as the admin user on the SCRAM listener when one is set,
        else on the internal listener."""
        if settings.kafka_admin_username:
            conf = admin_config(
                settings.kafka_scram_bootstrap,
                username=settings.kafka_admin_username,
                password=settings.kafka_admin_password,
                security_protocol=settings.kafka_scram_security_protocol,
            )
        else:
            conf = admin_config(settings.kafka_bootstrap)
        return cls(conf, settings.kafka_scram_bootstrap, settings.kafka_scram_security_protocol)

    @property
    def configured(self) -> bool:
        return bool(self.scram_bootstrap)

    def _require_configured(self) -> None:
        if not self.configured:
            raise Unavailable(
                "this platform has no Kafka listener for agencies (KAFKA_SCRAM_BOOTSTRAP is not set)",
                code="kafka_access_unavailable",
            )

    async def grant(self, agency_id: str) -> KafkaCredentials:
        """Create the agency's user and ACLs, or rotate its password when it has them."""
        self._require_configured()
        password = secrets.token_urlsafe(32)
        await asyncio.to_thread(self._grant, agency_id, password)
        return KafkaCredentials(
            bootstrap=self.scram_bootstrap,
            security_protocol=self.security_protocol,
            mechanism=MECHANISM,
            username=username_of(agency_id),
            password=password,
            topic=PUBLIC_TOPIC,
            group_prefix=group_prefix_of(agency_id),
        )

    async def revoke(self, agency_id: str) -> bool:
        """Delete the agency's ACLs and user; True when there was something to delete."""
        self._require_configured()
        return await asyncio.to_thread(self._revoke, agency_id)

    async def state(self, agency_id: str) -> KafkaAccessState:
        self._require_configured()
        return await asyncio.to_thread(self._state, agency_id)

    # -- blocking calls, in a worker thread -------------------------------------------------------

    def _grant(self, agency_id: str, password: str) -> None:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient(self.admin_conf)
        bindings = [_binding(agency_id, *acl) for acl in agency_acls(agency_id)]
        for future in admin.create_acls(bindings, request_timeout=REQUEST_TIMEOUT_S).values():
            _require(future, "creating the agency's Kafka ACLs")
        upsert_scram_user(self.admin_conf, username_of(agency_id), password, admin)

    def _revoke(self, agency_id: str) -> bool:
        from confluent_kafka.admin import AdminClient, UserScramCredentialDeletion

        admin = AdminClient(self.admin_conf)
        removed_acls = False
        for future in admin.delete_acls([_principal_filter(agency_id)], request_timeout=REQUEST_TIMEOUT_S).values():
            removed_acls |= bool(_require(future, "deleting the agency's Kafka ACLs"))
        deletion = UserScramCredentialDeletion(username_of(agency_id), _scram_mechanism())
        [future] = admin.alter_user_scram_credentials([deletion], request_timeout=REQUEST_TIMEOUT_S).values()
        return _present(future, "deleting the agency's Kafka user") or removed_acls

    def _state(self, agency_id: str) -> KafkaAccessState:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient(self.admin_conf)
        username = username_of(agency_id)
        future = admin.describe_acls(_principal_filter(agency_id), request_timeout=REQUEST_TIMEOUT_S)
        acls = _require(future, "reading the agency's Kafka ACLs")
        described_users: Any = admin.describe_user_scram_credentials([username], request_timeout=REQUEST_TIMEOUT_S)
        [future] = described_users.values()
        has_user = _present(future, "reading the agency's Kafka user")
        described = sorted(
            f"{a.operation.name} {a.restype.name} {a.name} ({a.resource_pattern_type.name})" for a in acls
        )
        return KafkaAccessState(username=username, has_user=has_user, acls=described)


def upsert_scram_user(admin_conf: dict[str, Any], username: str, password: str, admin: Any = None) -> None:
    """Create the SCRAM-SHA-512 user, or give it this new password (blocking)."""
    from confluent_kafka.admin import AdminClient, ScramCredentialInfo, UserScramCredentialUpsertion

    admin = admin or AdminClient(admin_conf)
    info = ScramCredentialInfo(_scram_mechanism(), SCRAM_ITERATIONS)
    upsertion = UserScramCredentialUpsertion(username, info, password.encode())
    for future in admin.alter_user_scram_credentials([upsertion], request_timeout=REQUEST_TIMEOUT_S).values():
        _require(future, f"setting the Kafka user {username}'s password")


def _outcome(future: Any) -> tuple[Any, Any]:
    """(result, None) or (None, the KafkaError); Unavailable when Kafka did not answer in time.

    The error's traceback is dropped: the future keeps the exception, whose traceback would keep
    this frame and so the future and its admin client (with its connections) alive until the
    garbage collector's next full pass."""
    from confluent_kafka import KafkaException

    try:
        return future.result(REQUEST_TIMEOUT_S), None
    except KafkaException as exc:
        exc.__traceback__ = None
        return None, exc.args[0] if exc.args else exc
    except TimeoutError as exc:
        raise Unavailable("Kafka did not answer in time", code="kafka_admin_failed") from exc


def _require(future: Any, what: str) -> Any:
    result, error = _outcome(future)
    if error is not None:
        raise Unavailable(f"Kafka refused or did not answer {what}: {error}", code="kafka_admin_failed")
    return result


def _present(future: Any, what: str) -> bool:
    """True when the call succeeded, False when Kafka knows no such SCRAM credential."""
    from confluent_kafka import KafkaError

    _, error = _outcome(future)
    if error is None:
        return True
    if isinstance(error, KafkaError) and error.code() == KafkaError.RESOURCE_NOT_FOUND:
        return False
    raise Unavailable(f"Kafka refused or did not answer {what}: {error}", code="kafka_admin_failed")


def _scram_mechanism() -> Any:
    from confluent_kafka.admin import ScramMechanism

    return ScramMechanism.SCRAM_SHA_512


def _binding(agency_id: str, restype: str, name: str, pattern: str, operation: str) -> Any:
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(
        ResourceType[restype],
        name,
        ResourcePatternType[pattern],
        f"User:{username_of(agency_id)}",
        "*",
        AclOperation[operation],
        AclPermissionType.ALLOW,
    )


def _principal_filter(agency_id: str) -> Any:
    """Every ACL of the agency's user, whatever its resource."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    return AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]  # None: any name
        ResourcePatternType.ANY,
        f"User:{username_of(agency_id)}",
        None,  # type: ignore[arg-type]  # None: any host
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
