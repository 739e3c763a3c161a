"""Login throttling on the password grant, counted before any password is hashed.

Two moving windows, both of `login_throttle_window_seconds`:

- per client address, every attempt: slows one source guessing across accounts;
- per account and address, failed attempts only: slows guessing one password,
  yet someone failing from elsewhere cannot lock the owner out (their address
  has its own count) and the owner's own successes never count against them.

Counts live in `limits` storage: in memory per process by default. Pass a shared
storage (`limits.aio.storage.RedisStorage`) to count across replicas.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.config import Settings


class LoginThrottled(Exception):
    """Too many attempts; the caller may retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
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
        if not await self._limiter.hit(self._attempts, address):
            raise LoginThrottled(await self._retry_after(self._attempts, address))
        if not await self._limiter.test(self._failures, account, address):
            raise LoginThrottled(await self._retry_after(self._failures, account, address))

    async def failed(self, account: str, address: str) -> None:
        await self._limiter.hit(self._failures, account, address)

    async def _retry_after(self, limit: RateLimitItem, *key: str) -> int:
        stats = await self._limiter.get_window_stats(limit, *key)
        # A moving window frees a slot when its oldest hit ages out: that is reset_time.
        return max(1, math.ceil(stats.reset_time - time.time()))
