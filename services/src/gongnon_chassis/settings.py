"""Settings come from the environment only (12-factor)."""

from __future__ import annotations

from pydantic import Field, field_validator
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
    # /metrics on a port of its own (on HOST) for a scraper inside the network; 0: none (the public
    # port serves it). The gateway reads the same variable through its edge settings.
    metrics_port: int = Field(0, alias="GONGNON_METRICS_PORT", ge=0, le=65535)

    # Kafka topics and clients. The defaults are the local one-broker cluster's; a production cluster
    # (infra/helm) sets replication 3 and min.insync.replicas 2, so that acks=all waits for two copies.
    # Topics the code creates get these; topics that exist (Strimzi's KafkaTopic) are left as they are.
    kafka_topic_partitions: int = Field(6, alias="KAFKA_TOPIC_PARTITIONS", ge=1)
    # Per topic, "gongnon.votes=48,gongnon.tallies=24"; a topic not named has KAFKA_TOPIC_PARTITIONS.
    kafka_topic_partitions_by_topic: str = Field("", alias="KAFKA_TOPIC_PARTITIONS_BY_TOPIC")
    kafka_topic_replication_factor: int = Field(1, alias="KAFKA_TOPIC_REPLICATION_FACTOR", ge=1)
    # 0: the broker's default (min.insync.replicas is then not set on the topic).
    kafka_topic_min_insync_replicas: int = Field(0, alias="KAFKA_TOPIC_MIN_INSYNC_REPLICAS", ge=0)
    kafka_producer_linger_ms: int = Field(0, alias="KAFKA_PRODUCER_LINGER_MS", ge=0)
    kafka_producer_max_batch_bytes: int = Field(256 * 1024, alias="KAFKA_PRODUCER_MAX_BATCH_BYTES", ge=1024)
    kafka_producer_request_timeout_ms: int = Field(15000, alias="KAFKA_PRODUCER_REQUEST_TIMEOUT_MS", ge=1000)
    # Records per batch of a batch consumer, by its group ("voting-svc.ledger=4000"); a group not
    # named keeps the size its service asks for. Consumers of one record at a time stay so.
    kafka_consumer_batch: str = Field("", alias="KAFKA_CONSUMER_BATCH")

    @property
    def development(self) -> bool:
        """Development or test mode: the only modes in which development keys may stand in."""
        return self.dev_mode or self.test_mode

    @field_validator("kafka_topic_partitions_by_topic", "kafka_consumer_batch")
    @classmethod
    def _parses(cls, value: str) -> str:
        _counts(value)  # a typo stops the process at start
        return value

    def db_name(self) -> str:
        return self.database or self.service_name.replace("-", "_")

    def topic_partitions(self) -> dict[str, int]:
        return _counts(self.kafka_topic_partitions_by_topic)

    def consumer_batch(self, group: str, asked: int) -> int:
        """The batch size of consumer group `group`, whose service asked for `asked` records."""
        if asked <= 1:
            return asked
        return max(2, _counts(self.kafka_consumer_batch).get(group, asked))


def _counts(value: str) -> dict[str, int]:
    """ "a=1,b=2" → {"a": 1, "b": 2}; a malformed entry stops the process at start."""
    out: dict[str, int] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, sep, count = part.partition("=")
        if not sep or not key.strip() or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"expected name=count[,name=count…], got {part.strip()!r}")
        out[key.strip()] = int(count)
    return out
