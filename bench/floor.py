"""The rendered service without the template's own ASGI middleware: a floor, not a setting.

Nobody should serve this: it drops the request id, the metrics, the access log,
the proxy headers, the Host check, the body limits and the gzip check. The bench
loads it beside the full service so each run shows how much of the read's gap
to raw asyncpg those layers take, and how much is left for the route itself
(FastAPI's routing and dependency solving, the repository, the response model).

Run from the rendered project's directory, with bench/ as uvicorn's --app-dir.
"""

from __future__ import annotations

from app.main import create_app  # the rendered project's, from the working directory
from fastapi import FastAPI


def create_app_without_middleware() -> FastAPI:
    app: FastAPI = create_app()
    # Starlette builds the middleware stack on the first request, from this list.
    app.user_middleware.clear()
    return app
