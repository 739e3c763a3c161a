"""Bodies of the probes orchestrators call."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    # "degraded": a dependency the service works without (slower) does not answer.
    checks: dict[str, Literal["ok", "degraded"]]
