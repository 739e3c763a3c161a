"""Connects the broker in the background, so the service starts while the broker is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Protocol, TypedDict

logger = logging.getLogger(__name__)


class Broker(Protocol):
    """The part of a FastStream broker this module drives."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self, timeout: float | None, /) -> bool: ...  # noqa: ASYNC109


class BrokerLogging(TypedDict):
    logger: logging.Logger
    log_level: int


def broker_logging(module: str) -> BrokerLogging:
    """FastStream's logging arguments for the broker created in `module`."""
    # Through the app's JSON logging (stdout for the service, stderr for the CLI), not
    # FastStream's plain-text handler on stdout; and its "Received"/"Processed" lines,
    # two per message per replica (the WebSocket feed alone sees every event), at DEBUG.
    return {"logger": logging.getLogger(module), "log_level": logging.DEBUG}


class BrokerNotConnectedError(RuntimeError):
    """The broker has not been reached since startup."""


class BrokerConnection:
    """Starts the FastStream broker (connection, subscribers, declarations), retrying until done.

    Once started, the client libraries reconnect by themselves; until then
    publishing raises BrokerNotConnectedError and the relay retries later.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float,
        max_retry_seconds: float,
        after_start: Callable[[], Awaitable[None]] | None = None,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.broker = broker
        self._timeout = timeout_seconds
        self._connect_timeout = connect_timeout_seconds
        self._max_retry = max_retry_seconds
        self._after_start = after_start
        self._on_connected = on_connected
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._attempting = False
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="broker-connect")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None and not self._task.done():
            if self._attempting:
                # Cancelling a client inside its connect can strand its tasks (aio-pika's
                # do), so an attempt in flight may finish first, within the usual timeout.
                with suppress(TimeoutError):
                    async with asyncio.timeout(self._timeout):
                        await asyncio.shield(self._task)
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self.connected.is_set():
            await self.broker.stop()

    def ensure_connected(self) -> None:
        if not self.connected.is_set():
            raise BrokerNotConnectedError("the broker has not been reached yet")

    async def ping(self) -> None:
        """Readiness: raise unless the broker answers now."""
        self.ensure_connected()
        if not await self.broker.ping(self._timeout):
            raise BrokerNotConnectedError("the broker does not answer")

    async def _connect(self) -> None:
        delay = min(0.5, self._max_retry)
        while not self._stopping:
            self._attempting = True
            try:
                async with asyncio.timeout(self._connect_timeout):
                    await self.broker.start()
                    if self._after_start is not None:
                        await self._after_start()
            # Each client library raises its own errors (and some time out); all mean "retry".
            except Exception as error:
                logger.warning(
                    "connecting to the broker failed; retrying",
                    extra={"error": repr(error), "retry_in_seconds": delay},
                )
                with suppress(Exception):
                    await self.broker.stop()
            else:
                logger.info("connected to the broker")
                self.connected.set()
                if self._on_connected is not None:
                    self._on_connected()
                return
            finally:
                self._attempting = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry)
