"""Login throttling on the password grant, counted before any password is hashed.

Two moving windows, both of `login_throttle_window_seconds`:

- per client address, every attempt: slows one source guessing across accounts;
- per account and address, failed attempts only: slows guessing one password,
  yet someone failing from elsewhere cannot lock the owner out (their address
  has its own count) and the owner's own successes never count against them.

Counts live in `limits` storage: a shared one (`limits.aio.storage.RedisStorage`)
counts across replicas, memory per process. While a shared storage fails, each
process counts on its own in memory rather than refusing or admitting everyone.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.auth.throttle_storage import shared_storage
from app.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LoginThrottled(Exception):
    """Too many attempts; the caller may retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        # With a cache, its Redis: every replica counts the same attempts.
        shared, self._release = shared_storage(settings)
        storage = storage or shared
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._limiter = self._local if storage is None else MovingWindowRateLimiter(storage)
        window = settings.login_throttle_window_seconds
        self._attempts = RateLimitItemPerSecond(
            settings.login_attempts_per_address, window, namespace="login-address"
        )
        self._failures = RateLimitItemPerSecond(
            settings.login_failures_per_account, window, namespace="login-failures"
        )

    async def admit(self, account: str, address: str) -> None:
        """Count an attempt; raises LoginThrottled if the address or the account is over its limit.

        An attempt the address limit refuses is not counted, so retrying early does
        not extend the wait; one the account limit refuses still counts for the address.
        """
        if not await self._ask(lambda limiter: limiter.hit(self._attempts, address)):
            raise LoginThrottled(await self._retry_after(self._attempts, address))
        if not await self._ask(lambda limiter: limiter.test(self._failures, account, address)):
            raise LoginThrottled(await self._retry_after(self._failures, account, address))

    async def failed(self, account: str, address: str) -> None:
        await self._ask(lambda limiter: limiter.hit(self._failures, account, address))

    async def _ask(self, question: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        """The shared storage's answer, or this process's own count while that storage fails."""
        try:
            return await question(self._limiter)
        except StorageError:
            logger.warning("login throttle storage unavailable, counting in this process")
            return await question(self._local)
        finally:
            await self._release()

    async def _retry_after(self, limit: RateLimitItem, *key: str) -> int:
        stats = await self._ask(lambda limiter: limiter.get_window_stats(limit, *key))
        # A moving window frees a slot when its oldest hit ages out: that is reset_time.
        return max(1, math.ceil(stats.reset_time - time.time()))
