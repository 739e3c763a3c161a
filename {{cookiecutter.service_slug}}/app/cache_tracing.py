"""A span per Redis command the cache sends, child of the request's span.

`create_client` makes this client when tracing is on. A span is named by the
command (`HMGET`, `EVALSHA`) and says where Redis is; it never records the
command's arguments: keys carry item ids and values the items themselves. A
failure records the exception's type, not its message, which Redis may fill
with the arguments. Commands outside a trace make no span, as the database's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, get_current_span
from opentelemetry.util.types import AttributeValue
from redis.asyncio import Redis

# Commands whose second word is a subcommand (`SCRIPT LOAD`); any other word is an argument.
_CONTAINERS = frozenset(
    {
        "ACL",
        "CLIENT",
        "CLUSTER",
        "COMMAND",
        "CONFIG",
        "FUNCTION",
        "MEMORY",
        "MODULE",
        "OBJECT",
        "SCRIPT",
        "XGROUP",
        "XINFO",
    }
)


def operation_of(command: object) -> str:
    """The command's name, without the arguments a raw `"GET key"` carries in the same word."""
    text = command.decode(errors="replace") if isinstance(command, bytes) else str(command)
    words = text.upper().split()
    if not words:
        return "REDIS"
    return " ".join(words[:2] if words[0] in _CONTAINERS else words[:1])


class TracedRedis(Redis):
    """The asyncio client, with a client span per command inside a trace."""

    _tracer = trace.get_tracer(__name__)

    @cached_property
    def _span_attributes(self) -> dict[str, AttributeValue]:
        where = self.connection_pool.connection_kwargs
        attributes: dict[str, AttributeValue] = {
            "db.system.name": "redis",
            "db.namespace": str(where.get("db", 0)),
        }
        if "path" in where:  # a Unix socket
            attributes["server.address"] = str(where["path"])
        else:
            attributes["server.address"] = str(where.get("host", "localhost"))
            attributes["server.port"] = int(where.get("port", 6379))
        return attributes

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        with self._span(args[0]):
            # redis-py leaves the command methods untyped.
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    @contextmanager
    def _span(self, command: object) -> Iterator[None]:
        if not get_current_span().get_span_context().is_valid:
            yield
            return
        operation = operation_of(command)
        span = self._tracer.start_span(
            operation,
            kind=SpanKind.CLIENT,
            attributes={**self._span_attributes, "db.operation.name": operation},
        )
        try:
            yield
        except BaseException as error:
            name = type(error).__qualname__
            span.set_status(Status(StatusCode.ERROR, name))
            span.set_attribute("error.type", name)
            raise
        finally:
            span.end()
