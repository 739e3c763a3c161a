"""A span per SQL statement the engine or the driver runs, child of the request's span.

Listening on the Engine class covers every engine the service makes; the hot
statements that skip the engine go through TracedDriver. The statement text is
recorded with its placeholders, never its parameters.
Statements outside a trace (the relay's polling) make no span: a trace of its
own for each would bury the requests'.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    TracerProvider,
    get_current_span,
)
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, ExecutionContext

from app.repositories.sql_items import Driver, DriverStatement

_SPAN = "_tracing_span"


def start_statement_span(tracer: Tracer, system: str, statement: str) -> Span | None:
    """A client span for one statement inside a trace; None outside one."""
    if not get_current_span().get_span_context().is_valid:
        return None
    operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
    return tracer.start_span(
        operation,
        kind=SpanKind.CLIENT,
        attributes={
            "db.system.name": system,
            "db.operation.name": operation,
            "db.query.text": statement,
        },
    )


def record_failure(span: Span, error: BaseException) -> None:
    name = type(error).__qualname__
    span.set_status(Status(StatusCode.ERROR, name))
    span.set_attribute("error.type", name)


class TracedDriver(Driver):
    """The driver, with a span per statement like the engine's."""

    _tracer = trace.get_tracer(__name__)

    async def fetchrow(
        self, statement: DriverStatement, values: Mapping[str, object]
    ) -> asyncpg.Record | None:
        with self._span(statement):
            return await super().fetchrow(statement, values)

    async def fetch(
        self, statement: DriverStatement, values: Mapping[str, object]
    ) -> list[asyncpg.Record]:
        with self._span(statement):
            return await super().fetch(statement, values)

    @contextmanager
    def _span(self, statement: DriverStatement) -> Iterator[None]:
        span = start_statement_span(self._tracer, "postgresql", statement.sql)
        if span is None:
            yield
            return
        try:
            yield
        except BaseException as error:
            record_failure(span, error)
            raise
        finally:
            span.end()


def trace_database(tracer_provider: TracerProvider) -> None:
    tracer = tracer_provider.get_tracer(__name__)

    def before_execute(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if context is None:
            return
        span = start_statement_span(tracer, conn.dialect.name, statement)
        if span is not None:
            setattr(context, _SPAN, span)

    def after_execute(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        span: Span | None = getattr(context, _SPAN, None)
        if span is not None:
            span.end()

    def failed(exception_context: ExceptionContext) -> None:
        span: Span | None = getattr(exception_context.execution_context, _SPAN, None)
        if span is not None:
            record_failure(span, exception_context.original_exception)
            span.end()

    event.listen(Engine, "before_cursor_execute", before_execute)
    event.listen(Engine, "after_cursor_execute", after_execute)
    event.listen(Engine, "handle_error", failed)
