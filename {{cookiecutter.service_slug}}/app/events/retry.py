"""In-process retries for brokers that do not redeliver a failed message by themselves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.events.consumer import PoisonMessageError

logger = logging.getLogger(__name__)


async def deliver_or_park(
    handle: Callable[[], Awaitable[object]],
    park: Callable[[str], Awaitable[None]],
    *,
    attempts: int,
    first_delay_seconds: float = 0.2,
) -> bool:
    """Run `handle` up to `attempts` times; after the last failure (or a poison message) park it.

    Returns True when handled, False when parked.
    """
    delay = first_delay_seconds
    for attempt in range(1, attempts + 1):
        try:
            await handle()
        except PoisonMessageError as error:
            await park(f"malformed: {error}")
            return False
        # A failing reaction is retried whatever it raised; the last error travels with the message.
        except Exception as error:
            if attempt == attempts:
                await park(f"failed {attempts} times: {error!r}")
                return False
            logger.warning(
                "handling a message failed; retrying",
                extra={"attempt": attempt, "error": repr(error)},
            )
            await asyncio.sleep(delay)
            delay *= 2
        else:
            return True
    return False
