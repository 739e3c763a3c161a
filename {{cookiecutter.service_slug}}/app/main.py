"""Application factory: `uvicorn --factory app.main:create_app`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware

from app.compression import CompressionMiddleware
from app.config import Settings, get_settings
from app.docs import OPENAPI_URL, install_docs
from app.edge import add_edge_middleware
from app.errors import install_error_handlers
from app.hosts import AllowedHostsMiddleware
from app.limits import RequestLimitsMiddleware
from app.logging import configure_logging
from app.responses import document_problems
from app.routers import include_routers
from app.wiring import Wiring


def operation_id(route: APIRoute) -> str:
    """The handler's name: stable method names for clients generated from the spec."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    wiring = Wiring(settings)
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        description={{ cookiecutter.description | tojson }},
        version="{{ cookiecutter.version }}",
        lifespan=wiring.lifespan,
        docs_url=None,  # app.docs serves the pages with their own assets
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.docs_enabled else None,
        generate_unique_id_function=operation_id,
        # Our own middleware measures and traces requests (app/middleware.py, app/edge.py);
        # FastAPI's native telemetry would ask OpenTelemetry for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.wiring = wiring
    install_error_handlers(app)
    include_routers(app, settings)
    document_problems(app)
    if settings.docs_enabled:
        install_docs(app)

    # Added last = runs first: the observability layer sees every response.
    if settings.gzip_minimum_size:
        app.add_middleware(CompressionMiddleware, minimum_size=settings.gzip_minimum_size)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Location"],
        )
    app.add_middleware(AllowedHostsMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_request_body_bytes,
        body_timeout_seconds=settings.request_body_timeout_seconds,
    )
    add_edge_middleware(app, settings, wiring.metrics)
    return app
