"""broker: where the broker is, the names this service uses on it, and the outbox relay's pace."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from app.settings.common import CommonSettings

# Valid in every broker's names: exchanges, topics, streams, subjects, consumer groups.
BROKER_NAME = r"^[a-z0-9][a-z0-9._-]*$"


class BrokerSettings(CommonSettings):
    broker_url: str = Field(
        default={{ {"rabbitmq": "amqp://guest:guest@localhost:5672/", "kafka": "localhost:9092", "redis": "redis://localhost:6379/0", "nats": "nats://localhost:4222"}.get(cookiecutter.broker, "") | tojson }},
        description={{ {"kafka": "Bootstrap servers, comma separated."}.get(cookiecutter.broker, "The broker's URL, with its credentials.") | tojson }},
        # Platforms commonly inject a bare BROKER_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}BROKER_URL", "BROKER_URL"),
    )
    # Names of this service's destinations and of its consumer group (see README).
    broker_topic_prefix: str = Field(default="{{ cookiecutter.service_slug }}", pattern=BROKER_NAME)
    broker_consumer_group: str = Field(default="{{ cookiecutter.service_slug }}", pattern=BROKER_NAME)
    # The service whose item deletions the example consumer follows.
    broker_upstream_prefix: str = Field(default="catalog", pattern=BROKER_NAME)
    broker_timeout_seconds: float = Field(default=5.0, gt=0)
    # Starting includes joining consumer groups: Kafka's first rebalance alone waits seconds.
    broker_connect_timeout_seconds: float = Field(default=30.0, gt=0)
    broker_retry_max_seconds: float = Field(default=10.0, gt=0)
    broker_max_deliveries: int = Field(default=5, ge=1, le=100)
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    # Items whose events the relay has in flight at once (one item's go one at a time).
    outbox_publish_concurrency: int = Field(default=64, ge=1, le=1_000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_flush_seconds: float = Field(default=5.0, ge=0)
