"""Settings, read from the environment (prefix {{ cookiecutter.__env_prefix }}) and from .env.

Each feature declares its own settings in app/settings/; this class combines them.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

{% set bases = [] -%}
{% if cookiecutter.auth != "none" -%}
from app.settings.auth import AuthSettings
{% set bases = bases + ["AuthSettings"] -%}
{% endif -%}
{% if cookiecutter.broker != "none" -%}
from app.settings.broker import BrokerSettings
{% set bases = bases + ["BrokerSettings"] -%}
{% endif -%}
{% if cookiecutter.cache != "none" -%}
from app.settings.cache import CacheSettings
{% set bases = bases + ["CacheSettings"] -%}
{% endif -%}
from app.settings.common import CommonSettings
{%- if cookiecutter.database != "none" %}
from app.settings.database import DatabaseSettings
{%- set bases = ["DatabaseSettings"] + bases %}
{%- endif %}


class Settings({% for base in bases %}{{ base }}, {% endfor %}CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="{{ cookiecutter.__env_prefix }}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
