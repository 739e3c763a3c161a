"""Application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
{%- if cookiecutter.database != "none" %}
from functools import partial
{%- endif %}

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

{% if cookiecutter.auth == "jwt" -%}
from app.auth.tokens import TokenVerifier
{% elif cookiecutter.auth == "api-key" -%}
from app.auth.security import document_header
{% endif -%}
from app.config import Settings, get_settings
{%- if cookiecutter.database == "postgres" %}
from app.database import create_engine, create_read_pool, ping
{%- endif %}
from app.errors import install_error_handlers
{%- if cookiecutter.broker != "none" %}
from app.events import {{ cookiecutter.broker }}
{%- if cookiecutter.database == "mongo" %}
from app.events.mongo_outbox import (
    MongoOutbox,
    MongoOutboxItemRepository,
    MongoProcessedEvents,
    check_transactions,
)
{%- elif cookiecutter.database == "none" %}
from app.events.memory_outbox import MemoryOutbox, MemoryOutboxItemRepository, MemoryProcessedEvents
{%- endif %}
from app.events.outbox import OutboxSignal
from app.events.runtime import EventRuntime
{%- if cookiecutter.database == "postgres" %}
from app.events.sql_outbox import SqlOutbox, SqlOutboxItemRepository, SqlProcessedEvents
{%- endif %}
{%- endif %}
from app.logging import configure_logging
from app.metrics import HttpMetrics
from app.middleware import ObservabilityMiddleware
{%- if cookiecutter.database == "mongo" %}
from app.mongo import IndexSetup, check_ready, create_client
{%- endif %}
{%- if cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}
from app.repositories.cached_api_keys import CachedApiKeyRepository
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
{%- if cookiecutter.auth == "api-key" %}
from app.repositories.sql_api_keys import SqlApiKeyRepository
{%- endif %}
{%- if cookiecutter.broker == "none" %}
from app.repositories.sql_items import SqlItemRepository
{%- endif %}
{%- elif cookiecutter.database == "mongo" %}
{%- if cookiecutter.auth == "api-key" %}
from app.repositories.mongo_api_keys import MongoApiKeyRepository
{%- endif %}
{%- if cookiecutter.broker == "none" %}
from app.repositories.mongo_items import MongoItemRepository
{%- endif %}
{%- else %}
{%- if cookiecutter.broker == "none" %}
from app.repositories.memory_items import MemoryItemRepository
{%- endif %}
{%- if cookiecutter.auth == "api-key" %}
from app.repositories.settings_api_keys import SettingsApiKeys
{%- endif %}
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
{%- if cookiecutter.database == "postgres" %}
from app.repositories.sql_users import SqlRefreshTokenRepository, SqlUserRepository
{%- elif cookiecutter.database == "mongo" %}
from app.repositories.mongo_users import MongoRefreshTokenRepository, MongoUserRepository
{%- else %}
from app.repositories.memory_users import MemoryRefreshTokenRepository, MemoryUserRepository
{%- endif %}
from app.routers import auth, {% if cookiecutter.broker != "none" %}events, {% endif %}health, items, users
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}
from app.routers import api_keys, {% if cookiecutter.broker != "none" %}events, {% endif %}health, items
{%- else %}
from app.routers import {% if cookiecutter.broker != "none" %}events, {% endif %}health, items
{%- endif %}
{%- if cookiecutter.auth == "api-key" %}
from app.services.api_key_auth import ApiKeyAuthenticator
{%- endif %}
{%- if cookiecutter.database == "postgres" %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = app.state.engine = create_engine(settings)
    read_pool = app.state.read_pool = await create_read_pool(settings)
{%- if cookiecutter.broker != "none" %}
    outbox_signal = OutboxSignal()
{%- endif %}
    app.state.item_repository = {% if cookiecutter.broker != "none" %}SqlOutboxItemRepository{% else %}SqlItemRepository{% endif %}(
        engine,{% if cookiecutter.broker != "none" %} outbox_signal,{% endif %} read_pool, read_timeout_seconds=settings.database_timeout_seconds
    )
{%- if cookiecutter.auth == "jwt" %}
    app.state.user_repository = SqlUserRepository(engine)
    app.state.refresh_token_repository = SqlRefreshTokenRepository(engine)
{%- elif cookiecutter.auth == "api-key" %}
    api_key_repository = app.state.api_key_repository = CachedApiKeyRepository(
        SqlApiKeyRepository(engine),
        cache_seconds=settings.api_key_cache_seconds,
        last_used_seconds=settings.api_key_last_used_seconds,
    )
    app.state.api_key_authenticator = ApiKeyAuthenticator(api_key_repository)
{%- endif %}
    app.state.readiness_checks = {
        "database": partial(ping, engine, settings.database_timeout_seconds)
    }
{%- if cookiecutter.broker != "none" %}
    event_runtime = app.state.events = EventRuntime(
        settings, app.state.broker, SqlOutbox(engine), SqlProcessedEvents(engine), outbox_signal
    )
    app.state.readiness_checks["broker"] = event_runtime.connection.ping
    event_runtime.start()
{%- endif %}
    freeze_startup_objects()
    try:
        yield
    finally:
{%- if cookiecutter.broker != "none" %}
        await event_runtime.stop()
{%- endif %}
        if read_pool is not None:
            await read_pool.close()
        await engine.dispose()
{%- elif cookiecutter.database == "mongo" %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # The client connects lazily: startup never waits for MongoDB, and requests
    # made while it is down fail until it is back, without a restart.
    client = app.state.mongo_client = create_client(settings)
    database = client[settings.mongodb_database]
{%- if cookiecutter.broker != "none" %}
    outbox_signal = OutboxSignal()
    app.state.item_repository = MongoOutboxItemRepository(database, outbox_signal)
{%- else %}
    app.state.item_repository = MongoItemRepository(database)
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    app.state.user_repository = MongoUserRepository(database)
    app.state.refresh_token_repository = MongoRefreshTokenRepository(database)
{%- elif cookiecutter.auth == "api-key" %}
    api_key_repository = app.state.api_key_repository = CachedApiKeyRepository(
        MongoApiKeyRepository(database),
        cache_seconds=settings.api_key_cache_seconds,
        last_used_seconds=settings.api_key_last_used_seconds,
    )
    app.state.api_key_authenticator = ApiKeyAuthenticator(api_key_repository)
{%- endif %}
    index_setup = app.state.index_setup = IndexSetup(database, first_delay_seconds=0.5)
    app.state.readiness_checks = {
        "database": partial(check_ready, client, index_setup, settings.mongodb_timeout_seconds)
    }
    index_setup.start()
{%- if cookiecutter.broker != "none" %}
    event_runtime = app.state.events = EventRuntime(
        settings,
        app.state.broker,
        MongoOutbox(database),
        MongoProcessedEvents(database),
        outbox_signal,
    )
    app.state.readiness_checks["broker"] = event_runtime.connection.ping
    app.state.readiness_checks["transactions"] = partial(
        check_transactions, client, settings.mongodb_timeout_seconds
    )
    event_runtime.start()
{%- endif %}
    freeze_startup_objects()
    try:
        yield
    finally:
{%- if cookiecutter.broker != "none" %}
        await event_runtime.stop()
{%- endif %}
        await index_setup.stop()
        await client.close()
{%- else %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
{%- if cookiecutter.broker != "none" %}
    settings: Settings = app.state.settings
    # In-memory store: every restart starts empty, unpublished events included (see README).
    outbox, outbox_signal = MemoryOutbox(), OutboxSignal()
    app.state.item_repository = MemoryOutboxItemRepository(outbox, outbox_signal)
{%- else %}
    # In-memory store: every restart starts empty (see README).
    app.state.item_repository = MemoryItemRepository()
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    # Users and refresh tokens live in memory too: restarting signs everyone out.
    app.state.user_repository = MemoryUserRepository()
    app.state.refresh_token_repository = MemoryRefreshTokenRepository()
{%- elif cookiecutter.auth == "api-key" %}
    # Keys are configuration here (API_KEYS): nothing to store, nothing to cache.
    app.state.api_key_authenticator = ApiKeyAuthenticator(
        SettingsApiKeys(app.state.settings.api_keys)
    )
{%- endif %}
{%- if cookiecutter.broker != "none" %}
    event_runtime = app.state.events = EventRuntime(
        settings,
        app.state.broker,
        outbox,
        MemoryProcessedEvents(),
        outbox_signal,
    )
    app.state.readiness_checks = {"broker": event_runtime.connection.ping}
    event_runtime.start()
    freeze_startup_objects()
    try:
        yield
    finally:
        await event_runtime.stop()
{%- else %}
    app.state.readiness_checks = {}
    freeze_startup_objects()
    yield
{%- endif %}
{%- endif %}


def freeze_startup_objects() -> None:
    """Exclude everything created at startup from garbage collection.

    Under load the collector otherwise rescans every imported module and route
    on each full pass: ~50 ms pauses that free nothing.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        description={{ cookiecutter.description | tojson }},
        version="{{ cookiecutter.version }}",
        lifespan=lifespan,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.metrics = HttpMetrics()
{%- if cookiecutter.broker != "none" %}
    # Created here, started by the lifespan: tests wrap it in FastStream's in-memory test broker.
    app.state.broker = {{ cookiecutter.broker }}.create_broker(settings)
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    app.state.token_verifier = TokenVerifier(settings)
{%- endif %}

    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(items.router)
{%- if cookiecutter.broker != "none" %}
    app.include_router(events.router)
    if settings.docs_enabled:
        app.include_router(events.asyncapi_router)
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    app.include_router(auth.router)
    app.include_router(users.router)
{%- elif cookiecutter.auth == "api-key" %}
{%- if cookiecutter.database != "none" %}
    app.include_router(api_keys.router)
{%- endif %}
    document_header(app, settings.api_key_header)
{%- endif %}

    # Added last = runs first: the observability layer sees every response.
    if settings.gzip_minimum_size:
        app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_minimum_size)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Location"],
        )
    app.add_middleware(
        ObservabilityMiddleware, metrics=app.state.metrics, access_log=settings.access_log
    )
    return app
