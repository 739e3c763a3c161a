"""JSON log lines, each carrying the id of the request that produced it.

Records are queued (a stdlib QueueHandler) and written by one background
thread, so a request never waits on a write to stdout; the thread writes
whatever queued since it last woke in one call.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from logging.handlers import QueueHandler
from typing import Any, TextIO

import orjson

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# What else a record takes from the task that logs it before it is queued: the
# logging thread that formats it later runs in no request's context.
record_stampers: list[Callable[[logging.LogRecord], None]] = []

# Attributes every LogRecord has; anything else was passed through `extra=`.
# uvicorn passes `color_message`, its message with ANSI colour codes, for its
# own console formatter: never part of a JSON line.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName", "color_message", "request_id"}

# The stdlib's documented switches for what a record collects that no line of
# ours prints: each is a lookup on every log call.
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False
logging.logAsyncioTasks = False  # type: ignore[attr-defined,unused-ignore]  # 3.12+


_STARTED = time.time()


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def _timestamp(created: float) -> str:
    """ISO 8601 in UTC, as datetime.isoformat() writes it at a fraction of the cost."""
    second = int(created)
    return f"{_utc_second(second)}.{int((created - second) * 1_000_000):06d}+00:00"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


# What every prebuilt record has in common.
_PREBUILT_RECORD_FIXED: dict[str, Any] = {
    "args": (),
    "levelname": "INFO",
    "levelno": logging.INFO,
    "pathname": "app/logging.py",
    "filename": "logging.py",
    "module": "logging",
    "exc_info": None,
    "exc_text": None,
    "stack_info": None,
    "lineno": 0,
    "funcName": "prebuilt",
    "thread": None,
    "threadName": None,
    "processName": None,
    "process": None,
    "taskName": None,
}


class InfoRecord(logging.LogRecord):
    """An INFO record built in a few dict writes, for the lines of every request.

    LogRecord's own constructor collects the caller's frame, thread, process
    and asyncio task, three times the cost of the rest of the access log; the
    caller knows everything the line needs. Logged through `log_info`.
    """

    def __init__(
        self, logger: str, message: str, fields: dict[str, Any], request_id: str | None = None
    ) -> None:
        now = time.time()
        attributes = self.__dict__
        attributes.update(_PREBUILT_RECORD_FIXED)
        attributes.update(fields)
        attributes["name"] = logger
        attributes["msg"] = message
        if request_id is not None:
            attributes["request_id"] = request_id
        attributes["created"] = now
        attributes["msecs"] = (now - int(now)) * 1000
        attributes["relativeCreated"] = (now - _STARTED) * 1000


def log_info(
    logger: logging.Logger, message: str, fields: dict[str, Any], request_id: str | None = None
) -> None:
    """`logger.info(message, extra=fields)` through an `InfoRecord`."""
    # Logger.handle skips the level check that Logger.info makes.
    if logger.isEnabledFor(logging.INFO):
        logger.handle(InfoRecord(logger.name, message, fields, request_id))


class _RequestQueueHandler(QueueHandler):
    """Queues the record itself: the request id is read here, formatting is the thread's."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        for stamp in record_stampers:
            stamp(record)
        return record


class _LogWriter:
    """One thread that wakes a few times a second and writes what queued meanwhile.

    Blocking on the queue would wake the thread for every line, and each
    wake-up takes the GIL from the event loop: more than the line costs. A
    batch is formatted first and written in one call, so an unbuffered stream
    (PYTHONUNBUFFERED, as in the image) costs one write per batch, not per line.
    """

    WAKE_SECONDS = 0.05

    def __init__(
        self, pending: queue.SimpleQueue[logging.LogRecord], output: logging.StreamHandler[TextIO]
    ) -> None:
        self._pending = pending
        # The handler formats, and reports a record it cannot format the stdlib's way.
        self._output = output
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self.WAKE_SECONDS):
            self._write_pending()
        self._write_pending()

    def _write_pending(self) -> None:
        lines = []
        while True:
            try:
                record = self._pending.get_nowait()
            except queue.Empty:
                break
            try:
                lines.append(self._output.format(record))
            # A record that cannot be formatted costs no other line.
            except Exception:
                self._output.handleError(record)
        if not lines:
            return
        # A stream closed under us (a test's captured output) has nothing to write to.
        with contextlib.suppress(ValueError, OSError):
            self._output.stream.write("\n".join(lines) + "\n")
            self._output.stream.flush()


_writer: _LogWriter | None = None


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """JSON lines to `stream` (standard output by default), written by one thread."""
    global _writer  # one writer thread per process
    stop_logging()
    pending: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    output = logging.StreamHandler(sys.stdout if stream is None else stream)
    output.setFormatter(JsonFormatter())
    _writer = _LogWriter(pending, output)
    _writer.start()
    root = logging.getLogger()
    root.handlers[:] = [_RequestQueueHandler(pending)]
    root.setLevel(level)
    # Requests are logged once, by our access-log middleware, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


@atexit.register
def stop_logging() -> None:
    """Write what is queued and stop the writer thread."""
    global _writer
    writer, _writer = _writer, None
    if writer is not None:
        writer.stop()
