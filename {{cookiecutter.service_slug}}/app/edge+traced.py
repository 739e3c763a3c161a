"""The outermost middleware: what every request passes first and its response last."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import Settings
{%- if cookiecutter.broker != "none" %}
from app.events.trace_context import trace_broker
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
        # Publish and consume spans, joined to the request through the outbox.
        trace_broker(app.state.wiring.broker, tracer_provider)
{%- endif %}
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
