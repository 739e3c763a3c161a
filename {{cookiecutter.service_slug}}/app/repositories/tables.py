"""SQL schema of the service; Alembic migrations are generated against this metadata."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
{%- if cookiecutter.broker != "none" %}
    JSON,
{%- endif %}
    BigInteger,
{%- if cookiecutter.auth == "jwt" %}
    Boolean,
{%- endif %}
    Column,
    DateTime,
    Dialect,
{%- if cookiecutter.auth == "jwt" or cookiecutter.broker != "none" %}
    Index,
{%- endif %}
    Integer,
    MetaData,
    String,
    Table,
{%- if cookiecutter.broker != "none" %}
    text,
{%- endif %}
)
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep migrations identical across databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware UTC datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


items = Table(
    "items",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", String(1000), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
{%- if cookiecutter.auth == "jwt" %}
    # The creator; no foreign key, so items outlive a deleted user for an admin to reassign.
    Column("owner_id", String(36), nullable=False, index=True),
{%- endif %}
)
{%- if cookiecutter.auth == "jwt" %}

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("full_name", String(100), nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("is_superuser", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    # SHA-256 of the token, hex: the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("family_id", String(36), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("used", Boolean, nullable=False),
    Index("ix_refresh_tokens_family_id", "family_id"),
)

# The tokens of one login. Revocation lives here, on one row that every rotation
# reads, so a token issued into a family while it is being revoked is dead too.
refresh_token_families = Table(
    "refresh_token_families",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("revoked", Boolean, nullable=False),
)
{%- endif %}
{%- if cookiecutter.auth == "api-key" %}

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    # Found by this on every cache miss; the key itself is never stored.
    Column("lookup_id", String(16), nullable=False, unique=True),
    # SHA-256 of the whole key, hex.
    Column("key_hash", String(64), nullable=False),
    # Space-separated, as in OAuth2.
    Column("scopes", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
)
{%- endif %}
{%- if cookiecutter.broker != "none" %}

# Transactional outbox: an item change and its event commit together; the relay
# publishes rows in id order and stamps sent_at (see app/events/relay.py).
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("payload", JSON(), nullable=False),
    # The message's headers: the request id and, with tracing, its trace context.
    Column("headers", JSON(), nullable=False, server_default=text("'{}'")),
    Column("sent_at", UTCDateTime(), nullable=True),
    # Partial: the relay's scan touches only unsent rows, however long the history.
    Index(
        "ix_outbox_pending",
        "id",
        postgresql_where=text("sent_at IS NULL"),
        sqlite_where=text("sent_at IS NULL"),
    ),
)
{%- endif %}
{%- if cookiecutter.broker != "none" %}

# Events the consumer already handled: the primary key turns a redelivery into a no-op.
processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", UTCDateTime(), nullable=False),
)
{%- endif %}
