"""Database engine: PostgreSQL (asyncpg) in deployment, SQLite (aiosqlite) for zero-setup runs."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
from sqlalchemy import event, exc, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.config import Settings

# Failures that say the database cannot serve right now (unreachable, shutting
# down, out of connections, locked), rather than that a statement is wrong.
_UNAVAILABLE = (
    OSError,  # refused, reset, unresolvable host, timed out (TimeoutError is one)
    exc.TimeoutError,  # no pooled connection free within the pool timeout
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # shutting down, starting up, query cancelled
    asyncpg.InsufficientResourcesError,  # too many connections, disk full
)
# asyncpg's client-side errors: a lost connection is one meaning among others (see below).
_CLIENT_STATE_ERRORS = (asyncpg.InterfaceError, asyncpg.InternalClientError)
_SQLITE_UNAVAILABLE = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_FULL"})


def create_engine(settings: Settings) -> AsyncEngine:
    engine = _create_engine(settings)
    event.listen(engine.sync_engine, "handle_error", _failed_connecting_is_a_disconnect)
    return engine


def _create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    # Error messages and logs never carry statement parameters (password hashes, emails).
    if url.get_backend_name() == "sqlite":
        return create_async_engine(
            url, hide_parameters=True, connect_args={"timeout": settings.database_timeout_seconds}
        )
    return create_async_engine(
        url,
        hide_parameters=True,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_timeout_seconds,
        pool_recycle=1800,
        connect_args={"timeout": settings.database_timeout_seconds},
    )


async def create_driver_pool(settings: Settings) -> asyncpg.Pool | None:
    """A plain asyncpg pool for the hot single statements on PostgreSQL; None on SQLite.

    SQLAlchemy's execute path costs about three times the driver's own `fetchrow`,
    and its pool lets new requests overtake waiting ones (long p99 under load).
    The item read and the item writes, which dominate traffic, go straight to the
    driver through this pool (app.repositories.sql_items.Driver); everything
    else keeps the engine. It connects lazily, like the engine, so the
    service starts while the database is down.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "asyncpg":
        return None
    # The same connect arguments SQLAlchemy's asyncpg dialect derives from the URL,
    # less the options that dialect keeps for itself.
    connect_args: dict[str, Any] = {**url.translate_connect_args(username="user"), **url.query}
    for dialect_option in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        connect_args.pop(dialect_option, None)
    return await asyncpg.create_pool(
        **connect_args,
        min_size=0,
        max_size=settings.database_pool_size,
        timeout=settings.database_timeout_seconds,
        max_inactive_connection_lifetime=1800,
        reset=_keep_session,
        # The outbox stores a changed row as PostgreSQL writes it in JSON: in UTC,
        # like every timestamp the service returns, whatever the server's default.
        server_settings={"TimeZone": "UTC"},
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release reset query (RESET ALL, UNLISTEN *, ...).

    This pool only runs single statements in autocommit and never changes session
    state, so the reset would be a second round trip per statement for nothing.
    asyncpg still rolls back any open transaction before calling this.
    """


async def ping(engine: AsyncEngine, timeout_seconds: float) -> None:
    """Raise if the database does not answer a trivial query in time."""
    async with asyncio.timeout(timeout_seconds), engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _failed_connecting_is_a_disconnect(context: ExceptionContext) -> None:
    # An error while a connection is being opened (no connection yet) means the
    # database is not there to use, whatever the driver calls it: a server that
    # shuts down mid-handshake leaves asyncpg in "another operation is in progress".
    if context.connection is None:
        context.is_disconnect = True


def is_unavailable(error: BaseException) -> bool:
    """The error, or what caused it, says the database cannot be reached now."""
    for cause in _causes(error):
        if isinstance(cause, exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _UNAVAILABLE):
            return True
        if isinstance(cause, sqlite3.Error) and cause.sqlite_errorname in _SQLITE_UNAVAILABLE:
            return True
        if isinstance(cause, _CLIENT_STATE_ERRORS) and _names_a_lost_connection(cause):
            return True
    return False


def _names_a_lost_connection(error: Exception) -> bool:
    # "connection is closed": a connection the server closed (SQLAlchemy's own test).
    # "another operation is in progress": a pooled connection whose server went away
    # mid-query or mid-handshake (seen with PostgreSQL stopped under load); the
    # pool acquires per request, so it is never two tasks sharing one connection.
    message = str(error)
    return "connection is closed" in message or "another operation" in message


def _causes(error: BaseException) -> Iterator[BaseException]:
    # SQLAlchemy raises its own error `from` the driver's, which may be raised
    # `from` asyncpg's own: follow explicit causes only, never unrelated context.
    cause: BaseException | None = error
    for _ in range(8):
        if cause is None:
            return
        yield cause
        cause = cause.__cause__
