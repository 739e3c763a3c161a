"""The typed container: what the lifespan opened, as request handlers see it.

Routers and dependencies reach it through `container_of`, never through loose
`app.state` attributes, so mypy checks that each one they use was wired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from app.config import Settings
{%- if cookiecutter.broker != "none" %}
    from app.events.runtime import EventRuntime
{%- endif %}
    from app.metrics import HttpMetrics
    from app.readiness import ReadinessCheck
    from app.repositories.items import ItemRepository
{%- if cookiecutter.auth != "none" %}
    from app.wiring.auth import AuthComponents
{%- endif %}
    from app.wiring.store import Store


@dataclass(slots=True)
class Container:
    settings: Settings
    metrics: HttpMetrics
    store: Store
    items: ItemRepository
    # Each dependency /ready asks, by the name it reports.
    readiness_checks: dict[str, ReadinessCheck]
{%- if cookiecutter.auth != "none" %}
    auth: AuthComponents
{%- endif %}
{%- if cookiecutter.broker != "none" %}
    events: EventRuntime
{%- endif %}


def container_of(connection: HTTPConnection) -> Container:
    """The container of the app serving this request or WebSocket."""
    return container_of_app(connection.app)


def container_of_app(app: Starlette) -> Container:
    """The container a started app's lifespan opened."""
    container: Container = app.state.container
    return container
