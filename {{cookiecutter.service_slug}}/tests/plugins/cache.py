"""The cache the tests use: the TEST_REDIS_URL server, or none at all.

With TEST_REDIS_URL=redis://HOST:6379/0 every test runs against that Redis, each
under its own key prefix so no test sees another's entries. Without it the app
points at a port nothing listens on: the suite then runs with the cache down
(reads fall back to the store) and the tests that need a real Redis are skipped
(in CI, where CI is set, they fail instead).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

# Nothing listens on port 1 on a test machine: connecting is refused at once.
NO_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture(scope="session")
def test_redis_url() -> str | None:
    return os.environ.get("TEST_REDIS_URL") or None


@pytest.fixture
def redis_url(test_redis_url: str | None) -> str:
    """A real Redis, for the tests that need one."""
    if test_redis_url is None:
        if os.environ.get("CI"):
            pytest.fail("TEST_REDIS_URL is not set in CI", pytrace=False)
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    return test_redis_url


@pytest.fixture
def cache_settings(test_redis_url: str | None) -> dict[str, Any]:
    return {
        "cache_url": test_redis_url or NO_REDIS,
        "cache_key_prefix": f"test-{uuid.uuid4().hex[:12]}",
        # The tests cut Redis off by closing its connections, which fails at once; on a
        # busy CI machine the service's 0.25 s would also time out reads that are only slow.
        "cache_timeout_seconds": 2.0,
    }
