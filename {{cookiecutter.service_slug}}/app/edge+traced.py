"""The outermost middleware: what every request passes first and its response last."""

from __future__ import annotations

from fastapi import FastAPI
{%- if cookiecutter.broker != "none" %}
{%- set faststream_module = {"rabbitmq": "rabbit"}.get(cookiecutter.broker, cookiecutter.broker) %}
from faststream.{{ faststream_module }}.opentelemetry import {{ faststream_module | capitalize }}TelemetryMiddleware
{%- endif %}
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import Settings
{%- if cookiecutter.broker != "none" %}
from app.events.trace_context import carry_trace_context
{%- endif %}
from app.metrics import HttpMetrics
from app.middleware import ObservabilityMiddleware
from app.settings.tracing import TracingSettings
from app.tracing import start_tracing, tracing_middleware


def add_edge_middleware(app: FastAPI, settings: Settings, metrics: HttpMetrics) -> None:
    """Observability, then the request's span around it, then the proxy headers.

    The span is opened outside the access log so the log line carries its ids,
    and inside the proxy headers so it records the client's scheme and address.
    """
    app.add_middleware(ObservabilityMiddleware, metrics=metrics, access_log=settings.access_log)
    tracer_provider = start_tracing(settings, TracingSettings(), metrics.registry)
    if tracer_provider is not None:
        app.add_middleware(tracing_middleware, tracer_provider=tracer_provider)
{%- if cookiecutter.broker != "none" %}
        # The stored request context around each publish, then (inside it) publish and
        # consume spans and the publish's context in each message's headers.
        carry_trace_context(app.state.wiring.broker)
        app.state.wiring.broker.add_middleware(
            {{ faststream_module | capitalize }}TelemetryMiddleware(tracer_provider=tracer_provider)
        )
{%- endif %}
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
