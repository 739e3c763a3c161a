"""The in-memory store: every test app starts empty, so there is nothing to clean up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI


@pytest.fixture
def store_settings() -> dict[str, Any]:
    return {}


@asynccontextmanager
async def store_under_test(app: FastAPI) -> AsyncIterator[None]:
    yield
