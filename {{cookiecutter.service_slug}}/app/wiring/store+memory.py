"""The in-memory store: nothing to open or close, and every restart starts empty (see README)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from app.config import Settings
from app.outages import Outage
from app.readiness import ReadinessCheck
from app.repositories.memory_items import MemoryItemRepository


@dataclass(frozen=True, slots=True)
class Store:
    items: MemoryItemRepository = field(default_factory=MemoryItemRepository)
    # Nothing outside the process can go away.
    outage: Outage | None = None

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        # Nothing outside the process to wait for.
        return {}


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    yield Store()
