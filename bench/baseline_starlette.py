"""Baseline (a): the cheapest useful ASGI app, a bare Starlette GET /health.

It bounds what one uvicorn worker can do on this machine, so the rendered
service's /health is judged against the server and not against zero.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/health", health)])
