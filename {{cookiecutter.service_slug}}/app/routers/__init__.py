"""HTTP only: parse the request, call a service, shape the response."""

from __future__ import annotations

from fastapi import FastAPI

{% if cookiecutter.auth == "api-key" -%}
from app.auth.security import document_header
{% endif -%}
from app.config import Settings
from app.routers import {% if cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}api_keys, {% endif %}{% if cookiecutter.auth == "jwt" %}auth, {% endif %}{% if cookiecutter.broker != "none" %}events, {% endif %}health, items{% if cookiecutter.auth == "jwt" %}, users{% endif %}


def include_routers(app: FastAPI, settings: Settings) -> None:
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
