"""Settings, read from the environment (prefix {{ cookiecutter.__env_prefix }}) and from .env.

Each feature declares its own settings in app/settings/; this class combines them.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

{% if cookiecutter.auth != "none" -%}
from app.settings.auth import AuthSettings
{% endif -%}
{% if cookiecutter.broker != "none" -%}
from app.settings.broker import BrokerSettings
{% endif -%}
from app.settings.common import CommonSettings
{%- if cookiecutter.database != "none" %}
from app.settings.database import DatabaseSettings
{%- endif %}


class Settings(
{%- if cookiecutter.database != "none" %}DatabaseSettings, {% endif %}
{%- if cookiecutter.auth != "none" %}AuthSettings, {% endif %}
{%- if cookiecutter.broker != "none" %}BrokerSettings, {% endif -%}
CommonSettings):
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
