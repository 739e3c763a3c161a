"""A span per SQL statement the engine runs, child of the request's span.

Listening on the Engine class covers every engine the service makes. The
statement text is recorded with its placeholders, never its parameters.
Statements outside a trace (the relay's polling) make no span: a trace of its
own for each would bury the requests'.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    TracerProvider,
    get_current_span,
)
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, ExecutionContext

_SPAN = "_tracing_span"


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
        if context is None or not get_current_span().get_span_context().is_valid:
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            operation,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": conn.dialect.name,
                "db.operation.name": operation,
                "db.query.text": statement,
            },
        )
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
            error = type(exception_context.original_exception).__qualname__
            span.set_status(Status(StatusCode.ERROR, error))
            span.set_attribute("error.type", error)
            span.end()

    event.listen(Engine, "before_cursor_execute", before_execute)
    event.listen(Engine, "after_cursor_execute", after_execute)
    event.listen(Engine, "handle_error", failed)
