"""Versioned data migrations for MongoDB: `python -m app.mongo_migrations` (`make migrate`).

MongoDB has no schema to migrate, but stored documents still change shape over
time. Each migration here runs once per database: the `migrations` collection
records every applied version. To change stored data, append a migration with
the next version; never edit, renumber or remove one that has been applied.

Run it from one place per deployment (a release job or an init container),
not from every replica at once. Indexes are not migrations: they are declared
in app/mongo.py, created at startup, and also ensured here.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from app.config import Settings, get_settings
{%- if cookiecutter.auth == "jwt" %}
from app.mongo import (
    ITEMS,
    REFRESH_FAMILIES,
    REFRESH_TOKENS,
    Document,
    create_client,
    ensure_indexes,
)
{%- else %}
from app.mongo import ITEMS, Document, create_client, ensure_indexes
{%- endif %}

MIGRATIONS_COLLECTION = "migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[AsyncDatabase[Document]], Awaitable[None]]


async def _store_missing_description_as_null(database: AsyncDatabase[Document]) -> None:
    await database[ITEMS].update_many(
        {"description": {"$exists": False}}, {"$set": {"description": None}}
    )


{%- if cookiecutter.auth == "jwt" %}


async def _move_revocation_to_families(database: AsyncDatabase[Document]) -> None:
    """Tokens stored with their own `revoked` flag get a family document holding it."""
    tokens = database[REFRESH_TOKENS]
    async for token in tokens.find({"revoked": {"$exists": True}}):
        await database[REFRESH_FAMILIES].update_one(
            {"_id": token["family_id"]},
            {
                "$setOnInsert": {"user_id": token["user_id"]},
                # Revoked if any of its tokens was; kept as long as its newest token.
                "$max": {"revoked": token["revoked"], "expires_at": token["expires_at"]},
            },
            upsert=True,
        )
    await tokens.update_many({}, {"$unset": {"revoked": ""}})
{%- endif %}


MIGRATIONS: Sequence[Migration] = (
    Migration(1, "items: store a missing description as null", _store_missing_description_as_null),
{%- if cookiecutter.auth == "jwt" %}
    Migration(2, "refresh tokens: revocation moves to families", _move_revocation_to_families),
{%- endif %}
)


async def applied_versions(database: AsyncDatabase[Document]) -> set[int]:
    return {int(doc["_id"]) async for doc in database[MIGRATIONS_COLLECTION].find({}, {"_id": 1})}


async def migrate(
    database: AsyncDatabase[Document], migrations: Sequence[Migration] = MIGRATIONS
) -> list[int]:
    """Ensure the indexes, then apply pending migrations in version order; return their versions."""
    await ensure_indexes(database)
    applied = await applied_versions(database)
    newly_applied = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in applied:
            continue
        await migration.apply(database)
        await database[MIGRATIONS_COLLECTION].insert_one(
            {
                "_id": migration.version,
                "description": migration.description,
                "applied_at": datetime.now(UTC),
            }
        )
        newly_applied.append(migration.version)
    return newly_applied


def without_credentials(url: str) -> str:
    """The URL minus any user and password, fit for messages and logs."""
    return re.sub(r"//[^@/]*@", "//", url)


async def main(settings: Settings) -> int:
    client = create_client(settings)
    try:
        versions = await migrate(client[settings.mongodb_database])
    except ConnectionFailure as error:
        print(
            f"Cannot reach MongoDB at {without_credentials(settings.mongodb_url)} "
            f"within {settings.mongodb_timeout_seconds:g}s ({type(error).__name__}).\n"
{%- if cookiecutter.broker != "none" %}
            # The outbox commits each change and its event in one transaction: a replica set.
            "Start a one-member replica set, e.g.\n"
            "  docker run -d --name mongo -p 27017:27017 mongo:8 --replSet rs0\n"
            "then, once it answers,\n"
            "  docker exec mongo mongosh --quiet --eval \"rs.initiate({_id: 'rs0', "
            "members: [{_id: 0, host: 'localhost:27017'}]})\"\n"
            "or set {{ cookiecutter.__env_prefix }}MONGODB_URL in .env.",
{%- else %}
            "Start a server, e.g. `docker run -d --name mongo -p 27017:27017 mongo:8`, "
            "or set {{ cookiecutter.__env_prefix }}MONGODB_URL in .env.",
{%- endif %}
            file=sys.stderr,
        )
        return 1
    finally:
        await client.close()
    applied = ", ".join(map(str, versions)) if versions else "none pending"
    print(f"Database {settings.mongodb_database!r} is up to date (applied: {applied}).")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(get_settings())))
