"""A span per MongoDB command, child of the request's span.

PyMongo's command monitoring calls the listener in the task that sent the
command, so the request's span is current. Commands are not recorded: their
filters and documents carry the data itself. Commands outside a trace (the
relay's polling, index checks) make no span.
"""

from __future__ import annotations

from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    TracerProvider,
    get_current_span,
)
from pymongo import monitoring


class CommandSpans(monitoring.CommandListener):
    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self._open: dict[tuple[int, int], Span] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not get_current_span().get_span_context().is_valid:
            return
        self._open[(event.request_id, event.operation_id or 0)] = self._tracer.start_span(
            f"{event.command_name} {event.database_name}",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "mongodb",
                "db.namespace": event.database_name,
                "db.operation.name": event.command_name,
            },
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        span = self._open.pop((event.request_id, event.operation_id or 0), None)
        if span is not None:
            span.end()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        span = self._open.pop((event.request_id, event.operation_id or 0), None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, event.failure.get("codeName", "failed")))
            span.end()


def trace_database(tracer_provider: TracerProvider) -> None:
    # Registered before the lifespan makes the client: listeners apply to clients made later.
    monitoring.register(CommandSpans(tracer_provider.get_tracer(__name__)))
