"""Tier 2: the broker servers the fault tests rely on start, stop and come back.

Each broker is real (Tansu stands in for Kafka) and runs on a free loopback port.
The smoke test proves the fixture's promises: a message round-trips, stop() makes
the port refuse clients, start() brings the broker back on the same URL and, where
the broker persists, with what it held.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import QUEUES, KafkaQueue, NatsQueue, Queue, RabbitMQQueue
from tests.polling import wait_until
from tests.project import migrate_store, python_for, run, uvicorn
from tests.render import render
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
    else:
        # The topic is gone with Tansu's memory; so is any reader's place in it.
        queue = QUEUES[kind](server.url, queue.name)
    asyncio.run(queue.prepare())
    asyncio.run(queue.send(b"after"))
    assert asyncio.run(queue.receive(1)) == [b"after"]
    # Nothing else waits in the destination: each message arrived once.
    assert asyncio.run(queue.receive(1, timeout=1)) == []


# The fault test: the service keeps accepting writes while its broker is down, and
# once the broker is back every event arrives exactly once (after de-duplication by
# event_id, which the contract allows), in order per item.
#
# Each broker runs with a different store so every outbox implementation is
# exercised against a real broker: PostgreSQL (SKIP LOCKED claims) for RabbitMQ,
# the SQLite file the rendering uses by default for Kafka, MongoDB's wire protocol
# (SecantusDB) for Redis, and the in-memory outbox for NATS.
FAULT_STORES = {
    "rabbitmq": "postgres-on-postgresql",
    "kafka": "postgres-on-sqlite",
    "redis": "mongo",
    "nats": "none",
}
PREFIX = "ORDERS_SERVICE_"
CREATED, UPDATED, DELETED = 50, 20, 10


def fault_install(kind: str, store: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render(
        tmp_path_factory.mktemp(f"fault-{kind}"),
        {"broker": kind, "database": store.split("-")[0], "auth": "none"},
    )
    run(project, "uv", "sync", "--python", python_for("3.12"), "--quiet")
    return project


def store_env(store: str, project: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings that point the rendering at a fresh, migrated store of its own."""
    if store == "postgres-on-sqlite":
        env = {f"{PREFIX}DATABASE_URL": f"sqlite+aiosqlite:///{project}/fault.db"}
    elif store == "postgres-on-postgresql":
        server: str = request.getfixturevalue("postgres_url")
        name = f"fault_{uuid.uuid4().hex[:12]}"
        create = (
            "import asyncio, asyncpg, sys\n"
            "async def main():\n"
            "    connection = await asyncpg.connect(sys.argv[1])\n"
            "    await connection.execute(f'CREATE DATABASE {sys.argv[2]}')\n"
            "    await connection.close()\n"
            "asyncio.run(main())\n"
        )
        plain = server.replace("postgresql+asyncpg://", "postgresql://")
        run(project, ".venv/bin/python", "-c", create, plain, name)
        env = {f"{PREFIX}DATABASE_URL": f"{server.rsplit('/', 1)[0]}/{name}"}
    elif store == "mongo":
        env = {
            f"{PREFIX}MONGODB_URL": request.getfixturevalue("mongodb_url"),
            f"{PREFIX}MONGODB_DATABASE": f"fault_{uuid.uuid4().hex[:12]}",
        }
    else:
        return {}
    return migrate_store(project, env)


def reader_for(kind: str, url: str, prefix: str) -> Queue:
    """A consumer on the contract's destination for the service's item events."""
    if kind == "rabbitmq":
        return RabbitMQQueue(url, f"{prefix}.fault-test", exchange=prefix, binding="items.#")
    if kind == "nats":
        return NatsQueue(url, f"{prefix}.items", stream=prefix.upper().replace("-", "_"))
    return QUEUES[kind](url, f"{prefix}.items")


def readiness(api: httpx.Client) -> httpx.Response:
    return api.get("/ready")


def wait_for_readiness(api: httpx.Client, status: int, timeout: float) -> None:
    wait_until(
        lambda: readiness(api).status_code == status,
        timeout,
        what=f"/ready answering {status}",
        interval=0.2,
        ignoring=(httpx.HTTPError,),
    )


@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, marks=pytest.mark.xdist_group(f"broker-{kind}")) for kind in FAULT_STORES],
)
def test_events_written_while_the_broker_is_down_arrive_once_in_order(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server: BrokerServer = request.getfixturevalue(f"{kind}_server")
    store = FAULT_STORES[kind]
    project = fault_install(kind, store, tmp_path_factory)
    prefix = f"fault-{uuid.uuid4().hex[:8]}"
    env = store_env(store, project, request) | {
        f"{PREFIX}BROKER_URL": server.url,
        f"{PREFIX}BROKER_TOPIC_PREFIX": prefix,
        f"{PREFIX}BROKER_CONSUMER_GROUP": prefix,
        f"{PREFIX}BROKER_TIMEOUT_SECONDS": "2",
        f"{PREFIX}BROKER_RETRY_MAX_SECONDS": "1",
    }

    with uvicorn(project, env) as url, httpx.Client(base_url=url, timeout=30) as api:
        wait_for_readiness(api, 200, 60)
        reader = reader_for(kind, server.url, prefix)
        asyncio.run(reader.prepare())

        server.stop()
        try:
            # The service stays up, says which dependency is missing, and takes writes.
            wait_for_readiness(api, 503, 30)
            problem = readiness(api).json()
            assert problem["checks"]["broker"] == "unavailable", problem
            assert "broker" in problem["detail"], problem
            expected = write_items(api)
        finally:
            server.start()

        wait_for_readiness(api, 200, 60)
        assert readiness(api).json()["checks"]["broker"] == "ok"
        if kind not in PERSISTENT:
            # Tansu lost the topic with its memory; read the one the relay recreated.
            reader = reader_for(kind, server.url, prefix)
        total = sum(len(types) for types in expected.values())
        bodies = asyncio.run(reader.receive(total, timeout=90))
        # Anything still to come would be a duplicate; give it a moment to show up.
        bodies += asyncio.run(reader.receive(total, timeout=2))

    assert_exactly_once_in_order(bodies, expected)
    if isinstance(reader, KafkaQueue):
        # The key is the item id: one item's events share a partition, hence their order.
        events = [json.loads(body) for body in bodies]
        assert reader.keys == [event["item_id"].encode() for event in events]


def write_items(api: httpx.Client) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Create, update and delete items; returns each item's expected (type, payload) list."""
    expected: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for number in range(CREATED):
        response = api.post("/items", json={"name": f"item {number}", "quantity": number})
        assert response.status_code == 201, response.text
        item = response.json()
        expected[str(item["id"])] = [("item.created", item)]
    ids = list(expected)
    for number, item_id in enumerate(ids[:UPDATED]):
        if number % 2:
            response = api.patch(f"/items/{item_id}", json={"quantity": 1000 + number})
        else:
            response = api.put(f"/items/{item_id}", json={"name": f"renamed {number}"})
        assert response.status_code == 200, response.text
        expected[item_id].append(("item.updated", response.json()))
    # Deleted items include updated ones: created < updated < deleted for those.
    for item_id in ids[UPDATED - DELETED // 2 : UPDATED + DELETED // 2]:
        response = api.delete(f"/items/{item_id}")
        assert response.status_code == 204, response.text
        expected[item_id].append(("item.deleted", {"id": expected[item_id][0][1]["id"]}))
    return expected


def assert_exactly_once_in_order(
    bodies: list[bytes],
    expected: dict[str, list[tuple[str, dict[str, Any]]]],
) -> None:
    events: dict[str, dict[str, Any]] = {}
    arrival: list[str] = []
    for body in bodies:
        event = json.loads(body)
        if event["event_id"] not in events:
            events[event["event_id"]] = event
            arrival.append(event["event_id"])
        else:
            # A redelivery is allowed; a different event under the same id is not.
            assert events[event["event_id"]] == event
    received: dict[str, list[dict[str, Any]]] = {}
    for event_id in arrival:
        event = events[event_id]
        received.setdefault(event["item_id"], []).append(event)

    assert set(received) == set(expected), "events of unknown or missing items"
    for item_id, wanted in expected.items():
        got = received[item_id]
        # Exactly once each, in the order the changes were made.
        assert [event["type"] for event in got] == [kind for kind, _ in wanted], item_id
        sequences = [event["sequence"] for event in got]
        assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
        for event, (_, payload) in zip(got, wanted, strict=True):
            assert event["version"] == 1
            assert event["payload"] == payload, (item_id, event["type"])
            uuid.UUID(event["event_id"])
            assert event["occurred_at"].endswith(("Z", "+00:00")), event["occurred_at"]
