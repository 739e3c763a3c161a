"""HTTP clients that talk to an app in-process over ASGI."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


def client_for(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )
