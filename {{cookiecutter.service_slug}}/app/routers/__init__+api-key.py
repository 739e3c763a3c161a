"""HTTP only: parse the request, call a service, shape the response."""

from __future__ import annotations

from fastapi import FastAPI

from app.auth.security import document_header
from app.config import Settings
from app.routers import {% if cookiecutter.database != "none" %}api_keys, {% endif %}{% if cookiecutter.broker != "none" %}events, {% endif %}health, items


def include_routers(app: FastAPI, settings: Settings) -> None:
    app.include_router(health.router)
    app.include_router(items.router)
{%- if cookiecutter.database != "none" %}
    app.include_router(api_keys.router)
{%- endif %}
{%- if cookiecutter.broker != "none" %}
    app.include_router(events.router)
    if settings.docs_enabled:
        app.include_router(events.asyncapi_router)
{%- endif %}
    # The OpenAPI document names the header this app is configured to read.
    document_header(app, settings.api_key_header)
