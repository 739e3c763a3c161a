"""MongoDB client, the readiness ping, and the indexes the code relies on.

The client connects lazily, so the service starts while MongoDB is down; the
indexes are created by a background task that retries until the server answers.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from app.config import Settings

Document = dict[str, Any]

ITEMS = "items"
# Declared once; creating an index that already exists with these options is a no-op.
INDEXES: dict[str, list[IndexModel]] = {
    ITEMS: [IndexModel([("name", ASCENDING)], name="uq_items_name", unique=True)],
}
{%- if cookiecutter.auth == "jwt" %}

USERS = "users"
REFRESH_TOKENS = "refresh_tokens"
REFRESH_FAMILIES = "refresh_token_families"
INDEXES[USERS] = [IndexModel([("email", ASCENDING)], name="uq_users_email", unique=True)]
INDEXES[REFRESH_TOKENS] = [
    IndexModel([("family_id", ASCENDING)], name="ix_refresh_tokens_family_id"),
    IndexModel([("user_id", ASCENDING)], name="ix_refresh_tokens_user_id"),
    # MongoDB deletes each token once it expires.
    IndexModel([("expires_at", ASCENDING)], name="ttl_refresh_tokens", expireAfterSeconds=0),
]
INDEXES[REFRESH_FAMILIES] = [
    IndexModel([("user_id", ASCENDING)], name="ix_refresh_token_families_user_id"),
    # A family's expires_at is that of its newest token: it outlives every token it judges.
    IndexModel([("expires_at", ASCENDING)], name="ttl_refresh_families", expireAfterSeconds=0),
]
{%- elif cookiecutter.auth == "api-key" %}

API_KEYS = "api_keys"
INDEXES[API_KEYS] = [
    IndexModel([("lookup_id", ASCENDING)], name="uq_api_keys_lookup_id", unique=True)
]
{%- endif %}
{%- if cookiecutter.broker != "none" %}

OUTBOX = "outbox"
PROCESSED_EVENTS = "processed_events"
COUNTERS = "counters"
# Sent events stay a week for inspection and replays; processed ids as long, so a
# redelivery within that window is still recognised.
EVENT_RETENTION_SECONDS = 7 * 24 * 3600
# Also serves the relay's scan for unsent events (sent_at null).
INDEXES[OUTBOX] = [
    IndexModel(
        [("sent_at", ASCENDING)],
        name="ttl_outbox_sent_at",
        expireAfterSeconds=EVENT_RETENTION_SECONDS,
    )
]
INDEXES[PROCESSED_EVENTS] = [
    IndexModel(
        [("processed_at", ASCENDING)],
        name="ttl_processed_events",
        expireAfterSeconds=EVENT_RETENTION_SECONDS,
    )
]
{%- endif %}

MAX_RETRY_DELAY_SECONDS = 10.0

logger = logging.getLogger(__name__)


def create_client(settings: Settings) -> AsyncMongoClient[Document]:
    timeout_ms = int(settings.mongodb_timeout_seconds * 1000)
    return AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        maxPoolSize=settings.mongodb_pool_size,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        appname=settings.mongodb_database,
    )


async def ping(client: AsyncMongoClient[Document], timeout_seconds: float) -> None:
    """Raise if the server does not answer a ping in time."""
    async with asyncio.timeout(timeout_seconds):
        await client.admin.command("ping")


def is_unavailable(error: BaseException) -> bool:
    """The server cannot be reached or selected now (not a refused or malformed operation)."""
    if isinstance(error, ConnectionFailure | TimeoutError):
        return True
    return isinstance(error, PyMongoError) and error.timeout


async def ensure_indexes(database: AsyncDatabase[Document]) -> None:
    """Create every declared index; safe to run any number of times."""
    for collection, indexes in INDEXES.items():
        await database[collection].create_indexes(indexes)


class IndexSetup:
    """Creates the indexes in the background, retrying with backoff until it succeeds.

    Until then the service is not ready: without the unique index a duplicate
    name would be stored instead of refused.
    """

    def __init__(self, database: AsyncDatabase[Document], first_delay_seconds: float) -> None:
        self._database = database
        self._first_delay = first_delay_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        """Stop retrying; waits at most for the attempt in flight."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        delay = self._first_delay
        # The flag, not only cancellation, ends the loop: a cancellation that
        # lands inside the driver's server selection may surface as its error.
        while not self._stopping.is_set():
            try:
                await ensure_indexes(self._database)
            except PyMongoError as error:
                if self._stopping.is_set():
                    return
                logger.warning(
                    "creating MongoDB indexes failed; retrying",
                    extra={"error": repr(error), "retry_in_seconds": delay},
                )
                with suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stopping.wait()
                delay = min(delay * 2, MAX_RETRY_DELAY_SECONDS)
            else:
                self.done.set()
                return


async def check_ready(
    client: AsyncMongoClient[Document], index_setup: IndexSetup, timeout_seconds: float
) -> None:
    """Readiness: the server answers and the indexes exist."""
    await ping(client, timeout_seconds)
    if not index_setup.done.is_set():
        raise RuntimeError("MongoDB indexes are not created yet")
