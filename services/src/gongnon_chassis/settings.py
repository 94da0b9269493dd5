"""Settings come from the environment only (12-factor)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(RuntimeError):
    """A process refuses to start: a key or secret it must have is missing or is a development one."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    service_name: str = Field("gongnon", alias="SERVICE_NAME")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")
    kafka_bootstrap: str = Field("127.0.0.1:9092", alias="KAFKA_BOOTSTRAP")
    mongodb_uri: str = Field("mongodb://127.0.0.1:27017/?replicaSet=secantus", alias="MONGODB_URI")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    # The service's own database; no other service reads it.
    database: str = Field("", alias="MONGODB_DATABASE")
    default_agency: str = Field("seoul", alias="GONGNON_DEFAULT_AGENCY")
    # Test mode lets tests move the platform clock across processes; never on in production.
    test_mode: bool = Field(False, alias="GONGNON_TEST_MODE")
    # Development mode (./dev up, the local cluster, benches): where no key is configured, the fixed
    # development keys stand in, and the gateway may use its development identity provider.
    dev_mode: bool = Field(False, alias="GONGNON_DEV_MODE")
    # The public keys that check the actor the gateway signs (gongnon_chassis.actor_tokens): a JWK
    # set or PEM public keys, several during a rotation. Empty: the development key (dev/test only).
    actor_public_keys: str = Field("", alias="GONGNON_ACTOR_PUBLIC_KEYS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    outbox_poll_s: float = Field(0.5, alias="OUTBOX_POLL_S")
    scheduler_interval_s: float = Field(5.0, alias="SCHEDULER_INTERVAL_S")
    # Signs list cursors (gongnon_chassis.cursors). Set it in production, the same for every
    # replica of the service; clients never see it. Empty: a development key (logged).
    cursor_secret: str = Field("", alias="GONGNON_CURSOR_SECRET", repr=False)
    # Fault injection for tests: names a point at which the process kills itself (SIGKILL).
    fault_point: str = Field("", alias="GONGNON_FAULT_POINT")

    @property
    def development(self) -> bool:
        """Development or test mode: the only modes in which development keys may stand in."""
        return self.dev_mode or self.test_mode

    def db_name(self) -> str:
        return self.database or self.service_name.replace("-", "_")
