"""{% if cookiecutter.auth == "jwt" %}OAuth2 scopes: what an access token may do.{% else %}Scopes: what an API key may do.{% endif %}"""

from __future__ import annotations

ITEMS_READ = "items:read"
ITEMS_WRITE = "items:write"
{%- if cookiecutter.auth == "jwt" %}
ME = "me"
{%- endif %}
{%- if cookiecutter.auth == "jwt" or cookiecutter.database != "none" %}
ADMIN = "admin"
{%- endif %}

SCOPES: dict[str, str] = {
    ITEMS_READ: "Read items.",
{%- if cookiecutter.auth == "jwt" %}
    ITEMS_WRITE: "Create items, and change or delete your own.",
    ME: "Read and change your own account.",
    ADMIN: "Manage users, and change or delete any item (superusers only).",
{%- else %}
    ITEMS_WRITE: "Create, change and delete items.",
{%- if cookiecutter.database != "none" %}
    ADMIN: "Create, list and revoke API keys.",
{%- endif %}
{%- endif %}
}
{%- if cookiecutter.auth == "jwt" %}
USER_SCOPES = frozenset({ITEMS_READ, ITEMS_WRITE, ME})
SUPERUSER_SCOPES = frozenset(SCOPES)


def grantable_scopes(*, is_superuser: bool) -> frozenset[str]:
    return SUPERUSER_SCOPES if is_superuser else USER_SCOPES
{%- endif %}
