"""auth=api-key with a database: the header, and how long a process trusts what it verified."""

from __future__ import annotations

from pydantic import Field

from app.settings.common import CommonSettings


class AuthSettings(CommonSettings):
    # The header service clients send their key in.
    api_key_header: str = Field(default="X-API-Key", pattern=r"^[A-Za-z0-9-]{1,64}$")
    # Verified keys are cached per process: a key revoked by another process
    # (replica, CLI) that cannot tell this one keeps working here for at most
    # this long. 0 disables the cache.
    api_key_cache_seconds: float = Field(default=30, ge=0, le=3600)
    # A key's last-used time is written at most this often per process (per key, with a cache).
    api_key_last_used_seconds: float = Field(default=300, ge=0)
