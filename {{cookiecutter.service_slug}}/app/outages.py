"""A dependency that went away, as requests meet it: 503 for them, one log line each way.

Requests that fail because the dependency cannot be reached are answered 503
with `Retry-After` (app.middleware); the first such failure logs that it went
away and starts a probe that logs once when it answers again. Everything else
that fails stays a 500 with its traceback: a bug is not an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress

from app.readiness import ReadinessCheck

# How often a dependency that went away is asked whether it is back.
PROBE_INTERVAL_SECONDS = 1.0

logger = logging.getLogger(__name__)


class Outage:
    """Whether one dependency (e.g. "database") is reachable, as its last failures tell."""

    def __init__(
        self,
        dependency: str,
        is_unavailable: Callable[[BaseException], bool],
        check: ReadinessCheck,
        *,
        retry_after_seconds: int,
    ) -> None:
        self.dependency = dependency
        self.retry_after_seconds = retry_after_seconds
        self._is_unavailable = is_unavailable
        self._check = check
        self._down_since: float | None = None
        self._back_at = float("-inf")
        self._probe: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def covers(self, error: BaseException) -> bool:
        """The error says the dependency cannot be reached (not that the code is wrong)."""
        return self._is_unavailable(error)

    def failed(self, error: BaseException, *, request_started: float) -> None:
        """A request met the outage; `request_started` is its `time.perf_counter()` start.

        A request that began before the dependency was seen back failed in the
        outage that just ended: it does not open a new one.
        """
        if self.down or request_started < self._back_at:
            return
        self._down_since = time.perf_counter()
        logger.warning(
            f"{self.dependency} unavailable",
            extra={"dependency": self.dependency, "error": f"{type(error).__name__}: {error}"},
        )
        self._probe = asyncio.create_task(self._wait_until_back())

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with suppress(asyncio.CancelledError):
                await self._probe

    async def _wait_until_back(self) -> None:
        while True:
            await asyncio.sleep(PROBE_INTERVAL_SECONDS)
            if await self._answers():
                break
        down_since, self._down_since = self._down_since, None
        self._back_at = time.perf_counter()
        logger.info(
            f"{self.dependency} is back",
            extra={
                "dependency": self.dependency,
                "outage_seconds": round(self._back_at - (down_since or self._back_at), 1),
            },
        )

    async def _answers(self) -> bool:
        try:
            await self._check()
        except Exception:
            # Any failure means "not back yet"; the first one was logged already.
            return False
        return True
