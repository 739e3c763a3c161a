"""Baseline (c): FastAPI with one route, GET /health, and nothing else.

The floor the framework sets for the rendered service's /health: the ratio
between the two is the price of the template's middleware, not of FastAPI.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
