"""Probes for orchestrators and the Prometheus scrape endpoint."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.container import container_of
from app.errors import problem_response
from app.readiness import ReadinessCheck
from app.schemas.problem import Problem

logger = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process is up (no I/O)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: every dependency answers",
    responses={HTTPStatus.SERVICE_UNAVAILABLE.value: {"model": Problem}},
)
async def ready(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = container_of(request).readiness_checks
    outcomes = await asyncio.gather(*(check() for check in checks.values()), return_exceptions=True)
    results: dict[str, Any] = {}
    failed = []
    for name, outcome in zip(checks, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            logger.warning("readiness check failed", extra={"check": name, "error": repr(outcome)})
            results[name] = "unavailable"
            failed.append(name)
        else:
            results[name] = "ok"
    if failed:
        return problem_response(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"Unavailable: {', '.join(failed)}.",
            instance=request.url.path,
            checks=results,
        )
    return JSONResponse({"status": "ready", "checks": results})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(container_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
