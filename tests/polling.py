"""Waiting for something that happens in another process: one deadline loop for every test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

NOTHING_IGNORED: tuple[type[Exception], ...] = ()


class WaitTimeout(TimeoutError):
    """What was waited for did not happen in time."""


def wait_until[Value](
    predicate: Callable[[], Value],
    timeout: float,
    *,
    what: str,
    interval: float = 0.1,
    ignoring: tuple[type[Exception], ...] = NOTHING_IGNORED,
) -> Value:
    """Call `predicate` until it returns something truthy, and return that.

    Exceptions of the `ignoring` types count as "not yet" (a server still
    refusing connections); any other exception ends the wait at once. After
    `timeout` seconds raises WaitTimeout naming `what` and the last ignored error.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
        except ignoring as error:
            last_error = error
        else:
            if value:
                return value
        if time.monotonic() > deadline:
            raise _timeout(what, timeout, last_error)
        time.sleep(interval)


async def wait_until_async[Value](
    predicate: Callable[[], Awaitable[Value]],
    timeout: float,
    *,
    what: str,
    interval: float = 0.1,
) -> Value:
    """`wait_until` for a coroutine predicate, sleeping without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not (value := await predicate()):
        if time.monotonic() > deadline:
            raise _timeout(what, timeout, None)
        await asyncio.sleep(interval)
    return value


def _timeout(what: str, timeout: float, last_error: Exception | None) -> WaitTimeout:
    message = f"{what}: not within {timeout}s"
    if last_error is not None:
        message += f" (last error: {last_error!r})"
    return WaitTimeout(message)
