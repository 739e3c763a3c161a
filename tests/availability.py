"""What a test does when something it needs is not installed on this machine.

Locally a missing server, interpreter or tool skips the test, so a partial
machine can still run the rest. Under TEMPLATE_REQUIRE_SERVICES=1 (which
.ci/run sets) it fails instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def services_required() -> bool:
    return os.environ.get("TEMPLATE_REQUIRE_SERVICES") == "1"


def skip_or_fail(missing: str) -> NoReturn:
    """Skip the current test because `missing` is absent; fail it when CI requires services."""
    if services_required():
        pytest.fail(f"required service missing: {missing}")
    pytest.skip(f"{missing} (set TEMPLATE_REQUIRE_SERVICES=1 to make this a failure)")
