"""cache=none: no storage the replicas share; each process counts logins in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from limits.aio.storage import Storage

from app.config import Settings


async def _nothing_to_release() -> None:
    return None


def shared_storage(settings: Settings) -> tuple[Storage | None, Callable[[], Awaitable[None]]]:
    """None: the throttle keeps its counts in this process."""
    return None, _nothing_to_release
