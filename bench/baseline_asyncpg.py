"""Baseline (b): FastAPI reading and writing items through a raw asyncpg pool.

The leanest idiomatic FastAPI way to serve GET /items/{id} and POST /items: no
ORM, no middleware, one Pydantic model each way, one statement per request
(`INSERT ... RETURNING` for the write). The rendered service does the same work
through its layers (router -> service -> repository -> SQLAlchemy), so the
ratio between the two is the price of those layers.

The DSN comes from BENCH_DATABASE_DSN (a plain postgresql:// URL).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TypedDict

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

# Same pool size as the rendered service's default (database_pool_size=10).
POOL_SIZE = 10
SELECT_ITEM = (
    "SELECT id, name, description, quantity, created_at, updated_at FROM items WHERE id=$1"
)
INSERT_ITEM = (
    "INSERT INTO items (name, description, quantity, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $4)"
    " RETURNING id, name, description, quantity, created_at, updated_at"
)


class ItemIn(BaseModel):
    # The rendered service's limits, so both validate the same body.
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    quantity: int = Field(default=0, ge=0)


class ItemOut(BaseModel):
    id: int
    name: str
    description: str | None
    quantity: int
    created_at: datetime
    updated_at: datetime


class State(TypedDict):
    pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    pool = await asyncpg.create_pool(
        os.environ["BENCH_DATABASE_DSN"], min_size=POOL_SIZE, max_size=POOL_SIZE
    )
    try:
        yield {"pool": pool}
    finally:
        await pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    # Only so the harness can time startup the same way for every server.
    return {"status": "ok"}


@app.get("/items/{item_id}", response_model=ItemOut)
async def get_item(item_id: int, request: Request) -> dict[str, object]:
    row = await request.state.pool.fetchrow(SELECT_ITEM, item_id)
    if row is None:
        raise HTTPException(status_code=404)
    # FastAPI validates and serialises this once through ItemOut.
    return dict(row)


@app.post("/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
async def create_item(item: ItemIn, request: Request, response: Response) -> dict[str, object]:
    try:
        row = await request.state.pool.fetchrow(
            INSERT_ITEM, item.name, item.description, item.quantity, datetime.now(UTC)
        )
    except asyncpg.UniqueViolationError:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT) from None
    response.headers["Location"] = f"/items/{row['id']}"
    return dict(row)
