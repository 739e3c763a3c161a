"""What /ready asks of each dependency: a check that returns, or raises when it is down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ReadinessCheck = Callable[[], Awaitable[None]]


class Degraded(Exception):
    """Raised by the check of a dependency the service works without: reported, still ready."""
