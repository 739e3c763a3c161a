"""Migrations build exactly the schema the code expects, and can be undone."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.repositories.tables import metadata
from tests.plugins.store import alembic_config, migrate


def _schema_differences(url: str) -> list[object]:
    def compare(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    async def run() -> list[object]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    assert _schema_differences(database_url) == []


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    migrate(database_url)

    assert _schema_differences(database_url) == []
