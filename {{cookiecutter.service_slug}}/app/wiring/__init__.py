"""The composition root: builds what the answers chose and opens it for the app's lifetime.

Each feature's wiring is a module of this package (`store`, `auth`, `events`);
this one only puts them together in order, and closes them in reverse.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from app.config import Settings
from app.container import Container
{%- if cookiecutter.broker != "none" %}
from app.events.{{ cookiecutter.broker }} import create_broker
{%- endif %}
from app.metrics import HttpMetrics
from app.repositories.items import ItemRepository
{%- if cookiecutter.auth != "none" %}
from app.wiring.auth import open_auth
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
from app.wiring.cache import open_cache
{%- endif %}
{%- if cookiecutter.broker != "none" %}
from app.wiring.events import open_events
{%- endif %}
from app.wiring.store import open_store


class Wiring:
    """What exists from `create_app` on; the lifespan opens the rest into a Container."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = HttpMetrics()
{%- if cookiecutter.broker != "none" %}
        # Created here, started by the lifespan: tests wrap it in FastStream's test broker.
        self.broker = create_broker(settings)
{%- endif %}

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            store = await stack.enter_async_context(open_store(self.settings))
            items: ItemRepository = store.items
            readiness_checks = store.readiness_checks()
{%- if cookiecutter.broker != "none" %}
            events = await stack.enter_async_context(open_events(self.settings, self.broker, store))
            # Changes go through the store that stages their events in the outbox.
            items, readiness_checks = events.items, readiness_checks | events.readiness_checks
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
            cache = await stack.enter_async_context(open_cache(self.settings, self.metrics))
            # Outermost, around the outbox too: a write invalidates only after its commit.
            items, readiness_checks = cache.items(items), readiness_checks | cache.readiness_checks
{%- endif %}
            app.state.container = Container(
                settings=self.settings,
                metrics=self.metrics,
                store=store,
                items=items,
                readiness_checks=readiness_checks,
{%- if cookiecutter.auth != "none" %}
                auth=await stack.enter_async_context(open_auth(self.settings, store)),
{%- endif %}
{%- if cookiecutter.broker != "none" %}
                events=events.runtime,
{%- endif %}
            )
            freeze_startup_objects()
            yield


def wiring_of(app: FastAPI) -> Wiring:
    wiring: Wiring = app.state.wiring
    return wiring


def freeze_startup_objects() -> None:
    """Exclude everything created at startup from garbage collection.

    Under load the collector otherwise rescans every imported module and route
    on each full pass: ~50 ms pauses that free nothing.
    """
    gc.collect()
    gc.freeze()
