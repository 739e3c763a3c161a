"""auth=none: every endpoint is public, so callers need no credentials."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def auth_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
def credentials() -> dict[str, str]:
    return {}
