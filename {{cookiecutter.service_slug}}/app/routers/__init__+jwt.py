"""HTTP only: parse the request, call a service, shape the response."""

from __future__ import annotations

from fastapi import FastAPI

from app.config import Settings
from app.routers import auth, {% if cookiecutter.broker != "none" %}events, {% endif %}health, items, users


def include_routers(app: FastAPI, settings: Settings) -> None:
    app.include_router(health.router)
    app.include_router(items.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    users.document_password_policy(app, settings.password_min_length)
{%- if cookiecutter.broker != "none" %}
    app.include_router(events.router)
    if settings.docs_enabled:
        app.include_router(events.asyncapi_router)
{%- endif %}
