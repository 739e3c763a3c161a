"""Probes for orchestrators and the Prometheus scrape endpoint."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.container import container_of
from app.errors import problem_response
from app.readiness import Degraded, ReadinessCheck
from app.responses import problem
from app.schemas.health import Health, Readiness
from app.schemas.problem import ReadinessProblem

logger = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

# Every kubelet asks every few seconds and the answer never changes: its bytes are
# built once rather than the model validated and encoded again on each probe.
HEALTHY = Health().model_dump_json().encode()


@router.get("/health", summary="Liveness: the process is up (no I/O)", response_model=Health)
async def health() -> Response:
    return Response(HEALTHY, media_type="application/json")


@router.get(
    "/ready",
    summary="Readiness: every dependency answers",
    response_model=Readiness,
    responses=problem(
        HTTPStatus.SERVICE_UNAVAILABLE, "A dependency does not answer.", model=ReadinessProblem
    ),
)
async def ready(request: Request) -> Readiness | JSONResponse:
    checks: dict[str, ReadinessCheck] = container_of(request).readiness_checks
    outcomes = await asyncio.gather(*(check() for check in checks.values()), return_exceptions=True)
    results: dict[str, Literal["ok", "degraded"]] = {}
    failed = []
    for name, outcome in zip(checks, outcomes, strict=True):
        if isinstance(outcome, Degraded):
            logger.warning("readiness check degraded", extra={"check": name, "error": str(outcome)})
            results[name] = "degraded"
        elif isinstance(outcome, BaseException):
            logger.warning("readiness check failed", extra={"check": name, "error": repr(outcome)})
            failed.append(name)
        else:
            results[name] = "ok"
    if failed:
        return problem_response(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"Unavailable: {', '.join(failed)}.",
            instance=request.url.path,
            checks=results | dict.fromkeys(failed, "unavailable"),
        )
    return Readiness(checks=results)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(container_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
