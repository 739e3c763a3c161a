"""MongoDB specifics: indexes at startup, the migration runner, and retrying while down."""

from __future__ import annotations

import asyncio
{%- if cookiecutter.auth == "jwt" %}
from datetime import UTC, datetime
{%- endif %}

import pytest
from fastapi import FastAPI
from pymongo.errors import AutoReconnect

from app import mongo
from app.config import Settings
from app.container import container_of_app
from app.mongo import IndexSetup, check_ready
from app.mongo_migrations import (
    MIGRATIONS,
    MIGRATIONS_COLLECTION,
    Migration,
    main,
    migrate,
    without_credentials,
)


async def test_startup_creates_the_unique_name_index(app: FastAPI) -> None:
    database = container_of_app(app).store.database

    indexes = await database["items"].index_information()

    assert indexes["uq_items_name"]["unique"] is True
    await mongo.ensure_indexes(database)  # idempotent
    assert await database["items"].index_information() == indexes


async def test_migrations_apply_once_in_order_and_are_recorded(app: FastAPI) -> None:
    database = container_of_app(app).store.database
    await database["items"].insert_one({"name": "legacy", "quantity": 1})
    order: list[int] = []

    async def record(version: int) -> None:
        order.append(version)

    last = max(migration.version for migration in MIGRATIONS)
    extra = [
        Migration(last + 2, "later", lambda _: record(last + 2)),
        Migration(last + 1, "next", lambda _: record(last + 1)),
    ]

    first = await migrate(database, [*extra, *MIGRATIONS])
    second = await migrate(database, [*extra, *MIGRATIONS])

    assert first == list(range(1, last + 3))
    assert order == [last + 1, last + 2]
    assert second == []
    legacy = await database["items"].find_one({"name": "legacy"})
    assert legacy is not None
    assert legacy["description"] is None
    recorded = [doc["_id"] async for doc in database[MIGRATIONS_COLLECTION].find().sort("_id")]
    assert recorded == list(range(1, last + 3))
{%- if cookiecutter.auth == "jwt" %}


async def test_migration_moves_refresh_token_revocation_to_families(app: FastAPI) -> None:
    database = container_of_app(app).store.database
    expires = [datetime(2099, 1, day, tzinfo=UTC) for day in (1, 2, 3)]
    legacy = [("a", "f", True), ("b", "f", False), ("c", "g", False)]
    await database["refresh_tokens"].insert_many(
        [
            {"_id": name, "user_id": "u", "family_id": family, "expires_at": at, "revoked": revoked}
            for (name, family, revoked), at in zip(legacy, expires, strict=True)
        ]
    )

    await migrate(database)

    families = {doc["_id"]: doc async for doc in database["refresh_token_families"].find()}
    assert {name: doc["revoked"] for name, doc in families.items()} == {"f": True, "g": False}
    assert families["f"]["expires_at"].replace(tzinfo=UTC) == expires[1]
    assert await database["refresh_tokens"].count_documents({"revoked": {"$exists": True}}) == 0
{%- endif %}


async def test_migrate_command_reports_success(
    app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await main(settings) == 0

    assert f"Database {settings.mongodb_database!r} is up to date" in capsys.readouterr().out


async def test_migrate_command_explains_an_unreachable_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        mongodb_url="mongodb://127.0.0.1:1", mongodb_timeout_seconds=0.2, _env_file=None
    )

    assert await main(settings) == 1

    error = capsys.readouterr().err
    assert "Cannot reach MongoDB at mongodb://127.0.0.1:1" in error
    assert "MONGODB_URL" in error


def test_messages_never_show_credentials() -> None:
    url = "mongodb://user:hunter2@db1:27017,db2:27017/?authSource=admin"

    assert without_credentials(url) == "mongodb://db1:27017,db2:27017/?authSource=admin"


async def test_index_setup_retries_until_the_server_answers(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: the first attempt fails as it would while MongoDB is down.
    database = container_of_app(app).store.database
    real_ensure_indexes = mongo.ensure_indexes
    attempts = 0

    async def flaky(db: object) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise AutoReconnect("connection refused")
        await real_ensure_indexes(database)

    monkeypatch.setattr(mongo, "ensure_indexes", flaky)
    setup = IndexSetup(database, first_delay_seconds=0.01)
    check = check_ready(container_of_app(app).store.client, setup, timeout_seconds=5)
    with pytest.raises(RuntimeError, match="indexes are not created yet"):
        await check

    async with asyncio.timeout(5):
        await setup.run()

    assert attempts == 2
    await check_ready(container_of_app(app).store.client, setup, timeout_seconds=5)
