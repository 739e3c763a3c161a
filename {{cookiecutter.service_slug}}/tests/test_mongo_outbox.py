"""On MongoDB the outbox needs transactions: readiness names a server without them."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.container import container_of_app
from app.events.mongo_outbox import TransactionsUnsupportedError, check_transactions


class StandaloneServer:
    """Answers `hello` as a standalone mongod does (no replica set name): fault injection."""

    def __init__(self) -> None:
        self.admin = self

    async def command(self, name: str) -> dict[str, object]:
        return {"isWritablePrimary": True, "ok": 1.0}


async def test_readiness_names_a_standalone_mongodb(app: FastAPI) -> None:
    client = container_of_app(app).store.client
    await check_transactions(client, 5)  # the test server is a replica set

    with pytest.raises(TransactionsUnsupportedError, match="replica set"):
        await check_transactions(StandaloneServer(), 5)  # type: ignore[arg-type]
