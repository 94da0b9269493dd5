"""Gateway settings: the chassis settings plus secrets, upstream URLs and identity options.
Everything comes from the environment.

Outside development and test mode (GONGNON_DEV_MODE, GONGNON_TEST_MODE) the gateway refuses to
start (ConfigurationError) without real keys: a session secret that is long and no known default,
and the private key it signs actors for the services with (docs/security.md)."""

from __future__ import annotations

import re

from pydantic import Field

from gongnon_chassis.actor_tokens import SigningKey, development_key, is_development_key, load_signing_key
from gongnon_chassis.settings import ConfigurationError, ServiceSettings
from gongnon_gateway.core.edge_settings import EdgeSettings

# Development and test mode only, so several gateway processes of one run agree on tokens.
DEV_SECRET = "gongnon-dev-gateway-secret"
MIN_SECRET_CHARS = 32
# Secrets that have stood in examples and defaults: whoever read them could mint sessions.
KNOWN_SECRETS = frozenset(
    {
        DEV_SECRET,
        "gongnon-test-mode-gateway-secret",
        "dev-secret-change-me-in-production",
        "change-me",
        "change-me-now",
        "changeme",
        "secret",
    }
)


class GatewaySettings(ServiceSettings):
    service_name: str = Field("gateway", alias="SERVICE_NAME")
    port: int = Field(8080, alias="PORT")

    # Signs session tokens. Rotation without signing anyone out: the new one here, the old one in
    # GATEWAY_PREVIOUS_SECRETS (comma-separated) until its last token has expired.
    secret: str = Field("", alias="GATEWAY_SECRET", repr=False)
    previous_secrets: str = Field("", alias="GATEWAY_PREVIOUS_SECRETS", repr=False)
    token_ttl_s: int = Field(12 * 3600, alias="GATEWAY_TOKEN_TTL_S", ge=60)
    # Signs the actor for the services (gongnon_chassis.actor_tokens): a private Ed25519 JWK or PEM.
    actor_signing_key: str = Field("", alias="GATEWAY_ACTOR_SIGNING_KEY", repr=False)
    actor_token_ttl_s: int = Field(300, alias="GATEWAY_ACTOR_TOKEN_TTL_S", ge=30, le=3600)
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
    edge: EdgeSettings = Field(default_factory=EdgeSettings)  # proxies, docs and metrics, rate limits

    def session_secrets(self) -> tuple[bytes, list[bytes]]:
        """The secret that signs session tokens, and the previous ones still accepted."""
        previous = [p for p in re.split(r"[,\s]+", self.previous_secrets) if p]
        if not self.secret:
            if not self.development:
                raise ConfigurationError(
                    "GATEWAY_SECRET is not set: set it to at least 32 random characters, the same on every "
                    "gateway replica (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            return DEV_SECRET.encode(), [p.encode() for p in previous]
        if not self.development:
            for name, value in [("GATEWAY_SECRET", self.secret), *(("GATEWAY_PREVIOUS_SECRETS", p) for p in previous)]:
                if value in KNOWN_SECRETS or len(value) < MIN_SECRET_CHARS:
                    raise ConfigurationError(
                        f"{name} is a default or too short (under {MIN_SECRET_CHARS} characters): "
                        "anyone who read it could mint sessions; set a long random secret"
                    )
        return self.secret.encode(), [p.encode() for p in previous]

    def actor_key(self) -> SigningKey:
        """The private key the gateway signs actors for the services with."""
        if not self.actor_signing_key:
            if not self.development:
                raise ConfigurationError(
                    "GATEWAY_ACTOR_SIGNING_KEY is not set: the services would have no way to tell the gateway's "
                    "callers from forged ones (`python -m gongnon_chassis.actor_tokens` makes a key pair)"
                )
            return development_key()
        key = load_signing_key(self.actor_signing_key)
        if not self.development and is_development_key(key.public):
            raise ConfigurationError("GATEWAY_ACTOR_SIGNING_KEY is the development key, which anyone can sign with")
        return key
