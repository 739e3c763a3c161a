"""Scopes: what an API key may do."""

from __future__ import annotations

ITEMS_READ = "items:read"
ITEMS_WRITE = "items:write"
ADMIN = "admin"

SCOPES: dict[str, str] = {
    ITEMS_READ: "Read items.",
    ITEMS_WRITE: "Create, change and delete items.",
{%- if cookiecutter.database != "none" %}
    ADMIN: "Create, list and revoke API keys.",
{%- else %}
    # Not ADMIN: keys kept in the settings are managed there, never over HTTP.
{%- endif %}
}
