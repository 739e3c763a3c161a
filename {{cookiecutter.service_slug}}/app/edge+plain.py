"""The outermost middleware: what every request passes first and its response last."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import Settings
from app.metrics import HttpMetrics
from app.middleware import ObservabilityMiddleware


def add_edge_middleware(app: FastAPI, settings: Settings, metrics: HttpMetrics) -> None:
    """Observability around everything inside; the proxy headers around that."""
    app.add_middleware(ObservabilityMiddleware, metrics=metrics, access_log=settings.access_log)
    # Outermost: everything below sees the client's scheme and address, not the proxy's.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
