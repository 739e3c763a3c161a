"""Tier 2: the broker servers the fault tests rely on start, stop and come back.

Each broker is real (Tansu stands in for Kafka) and runs on a free loopback port.
The smoke test proves the fixture's promises: a message round-trips, stop() makes
the port refuse clients, start() brings the broker back on the same URL and, where
the broker persists, with what it held.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.brokers import QUEUES
from tests.services import BrokerServer

pytestmark = pytest.mark.tier2

# Brokers that keep messages on disk across a restart (Tansu here is memory-only).
PERSISTENT = {"rabbitmq", "redis", "nats"}


@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, marks=pytest.mark.xdist_group(f"broker-{kind}")) for kind in QUEUES],
)
def test_broker_round_trips_and_survives_a_restart(
    kind: str, request: pytest.FixtureRequest
) -> None:
    server: BrokerServer = request.getfixturevalue(f"{kind}_server")
    queue = QUEUES[kind](server.url, f"smoke-{uuid.uuid4().hex[:8]}")
    asyncio.run(queue.prepare())

    asyncio.run(queue.send(b"before"))
    assert asyncio.run(queue.receive(1)) == [b"before"]
    asyncio.run(queue.send(b"kept"))

    server.stop()
    try:
        assert not server.running
        with pytest.raises(OSError):
            server.ready()
    finally:
        server.start()

    assert server.ready()
    if kind in PERSISTENT:
        assert asyncio.run(queue.receive(1)) == [b"kept"]
    asyncio.run(queue.prepare())
    asyncio.run(queue.send(b"after"))
    assert asyncio.run(queue.receive(1)) == [b"after"]
    # Nothing else waits in the destination: each message arrived once.
    assert asyncio.run(queue.receive(1, timeout=1)) == []
