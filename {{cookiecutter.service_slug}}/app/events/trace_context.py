{%- set faststream_module = {"rabbitmq": "rabbit"}.get(cookiecutter.broker, cookiecutter.broker) -%}
"""Broker spans, and the trace context of a request carried through the outbox to them.

The request's `traceparent` is stored in the headers of each event it stages;
the relay publishes later, in no request's context, so `StoredTraceContext`
makes the stored context current around each publish. FastStream's telemetry
middleware, inside it, then opens its publish spans as children of the request
and puts their own context in the message for the consumer (decision 0029).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware, PublishCommand
from faststream.{{ faststream_module }}.opentelemetry import {{ faststream_module | capitalize }}TelemetryMiddleware
from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider

from app.events import {{ cookiecutter.broker }}
from app.events.schema import header_stampers


def stamp_trace_context(headers: dict[str, str]) -> None:
    """The current span's `traceparent` (and `tracestate`) in an event's headers."""
    propagate.inject(headers)


class StoredTraceContext(BaseMiddleware):
    """Each publish runs in the context stored in its message's headers, when there is one."""

    async def publish_scope(
        self, call_next: Callable[[PublishCommand], Awaitable[Any]], cmd: PublishCommand
    ) -> Any:
        if "traceparent" not in cmd.headers:
            return await call_next(cmd)
        token = context.attach(propagate.extract(cmd.headers))
        try:
            return await call_next(cmd)
        finally:
            context.detach(token)


def trace_broker(broker: {{ cookiecutter.broker }}.Broker, tracer_provider: TracerProvider) -> None:
    """Publish and consume spans; events take their request's context, publishes continue it.

    The stored context goes on first: FastStream runs the first-added middleware
    outermost, so the telemetry's spans start inside it. The telemetry middleware
    then puts the publish's own context in each message's headers for the consumer.
    """
    if stamp_trace_context not in header_stampers:  # one list per process, one app per test
        header_stampers.append(stamp_trace_context)
    broker.add_middleware(StoredTraceContext)
    broker.add_middleware({{ faststream_module | capitalize }}TelemetryMiddleware(tracer_provider=tracer_provider))
