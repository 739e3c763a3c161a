"""Pure ASGI middleware: request id, access log and metrics in one pass.

Pure ASGI (rather than BaseHTTPMiddleware) keeps the per-request cost to a
few function calls and never buffers response bodies.
"""

from __future__ import annotations

import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.container import container_of_app
from app.errors import problem_response, unavailable_problem
from app.logging import log_info, request_id_var
from app.metrics import HttpMetrics
from app.outages import Outage

REQUEST_ID_HEADER = b"x-request-id"
# Accept a caller's id only if it is short and harmless to log and echo.
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

# Probes and scrapes arrive every few seconds from every replica; logging them
# buries real traffic. They still count in the metrics.
QUIET_PATHS = frozenset({"/health", "/metrics"})

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics, *, access_log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_request_id(scope) or os.urandom(16).hex()
        token = request_id_var.set(request_id)
        status = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.started()
        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as error:
            # Handled here rather than by Starlette's outermost error middleware so
            # the log line and the 500 response both carry the request id.
            outage = _outage_covering(scope, error)
            if outage is not None and not response_started:
                # One line per outage (app.outages), not a traceback per request.
                outage.failed(error, request_started=started)
                response = unavailable_problem(
                    outage.dependency, outage.retry_after_seconds, instance=scope["path"]
                )
            else:
                error_logger.exception("unhandled error", extra={"path": scope["path"]})
                if response_started:
                    raise
                response = problem_response(
                    500, "An unexpected error occurred.", instance=scope["path"]
                )
            await response(scope, receive, send_with_request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.finished(scope["method"], route, str(status), elapsed)
            if (
                self.access_log
                and scope["path"] not in QUIET_PATHS
                and access_logger.isEnabledFor(logging.INFO)
            ):
                fields = {
                    "client": _client_address(scope),
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                }
                log_info(access_logger, "request", fields, request_id)
            request_id_var.reset(token)


def _outage_covering(scope: Scope, error: Exception) -> Outage | None:
    """The store's outage, if `error` says the store cannot be reached."""
    app = scope.get("app")
    if app is None or getattr(app.state, "container", None) is None:
        return None  # failed before the lifespan opened the store
    outage = container_of_app(app).store.outage
    return outage if outage is not None and outage.covers(error) else None


def _client_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode("latin-1") if _SAFE_REQUEST_ID.fullmatch(value) else None
    return None


UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    # FastAPI stores its own matched route in the scope; unmatched paths (404s)
    # share one label so scanners cannot blow up the metric's cardinality.
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    # Plain Starlette routes (/openapi.json) and mounts (/docs/assets) only leave
    # their endpoint: label them with the path of the app's route or mount that has it.
    endpoint = scope.get("endpoint")
    app = scope.get("app")
    if endpoint is None or app is None:
        return UNMATCHED
    for route in getattr(app, "routes", ()):
        if endpoint in (getattr(route, "endpoint", None), getattr(route, "app", None)):
            path = getattr(route, "path", None)
            return path if isinstance(path, str) else UNMATCHED
    return UNMATCHED
