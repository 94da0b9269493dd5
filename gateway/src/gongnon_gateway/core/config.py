"""Gateway settings: the chassis settings plus secrets, upstream URLs and identity options.
Everything comes from the environment."""

from __future__ import annotations

import logging
import secrets

from pydantic import Field

from gongnon_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)

# Only ever used in test mode, so several gateway processes of one test run agree on tokens.
_TEST_MODE_SECRET = "gongnon-test-mode-gateway-secret"


class GatewaySettings(ServiceSettings):
    service_name: str = Field("gateway", alias="SERVICE_NAME")
    port: int = Field(8080, alias="PORT")

    secret: str = Field("", alias="GATEWAY_SECRET")
    token_ttl_s: int = Field(12 * 3600, alias="GATEWAY_TOKEN_TTL_S", ge=60)
    cookie_secure: bool = Field(False, alias="GONGNON_COOKIE_SECURE")

    admin_email: str = Field("", alias="GONGNON_ADMIN_EMAIL")
    admin_password: str = Field("", alias="GONGNON_ADMIN_PASSWORD")

    # "dev" (DevIdentityProvider) or "package.module:factory", factory(settings) -> IdentityProvider.
    identity_provider: str = Field("dev", alias="GONGNON_IDENTITY_PROVIDER")
    # The dev provider's key must be stable across restarts or one person would get two keys.
    identity_secret: str = Field("gongnon-dev-identity-secret", alias="GONGNON_IDENTITY_SECRET")

    proposal_svc_url: str = Field("http://127.0.0.1:8101", alias="PROPOSAL_SVC_URL")
    voting_svc_url: str = Field("http://127.0.0.1:8102", alias="VOTING_SVC_URL")
    review_svc_url: str = Field("http://127.0.0.1:8103", alias="REVIEW_SVC_URL")
    notify_svc_url: str = Field("http://127.0.0.1:8104", alias="NOTIFY_SVC_URL")
    upstream_timeout_s: float = Field(15.0, alias="UPSTREAM_TIMEOUT_S", gt=0)
    upstream_max_connections: int = Field(2048, alias="UPSTREAM_MAX_CONNECTIONS", ge=1)

    # Partner agencies' Kafka clients (core/kafka_access.py): the SASL/SCRAM listener handed to
    # them (empty: none, the credentials routes answer 503) and the super user the gateway makes
    # their users and ACLs as, on that listener; without one, on KAFKA_BOOTSTRAP (User:ANONYMOUS).
    kafka_scram_bootstrap: str = Field("", alias="KAFKA_SCRAM_BOOTSTRAP")
    kafka_scram_security_protocol: str = Field("SASL_PLAINTEXT", alias="KAFKA_SCRAM_SECURITY_PROTOCOL")
    kafka_admin_username: str = Field("", alias="KAFKA_ADMIN_USERNAME")
    kafka_admin_password: str = Field("", alias="KAFKA_ADMIN_PASSWORD", repr=False)

    def signing_secret(self) -> bytes:
        if self.secret:
            return self.secret.encode()
        if self.test_mode:
            return _TEST_MODE_SECRET.encode()
        # Fail closed: a random secret cannot be guessed; tokens simply die with the process.
        log.warning("GATEWAY_SECRET is not set; using a random secret, sessions end when this process stops")
        return secrets.token_bytes(32)
