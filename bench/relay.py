"""Publish throughput through the transactional outbox and its relay, per broker.

    python bench/relay.py [--events K] [--store postgres|sqlite|memory] [BROKER ...]

For each broker (default: rabbitmq kafka redis nats) one run renders the
`broker=B` project (`auth=none`, `database=postgres` on a throwaway PostgreSQL
by default), builds its venv, migrates, starts the broker from
tests/services.py and the service under uvicorn, and prepares a consumer on the
service's event destination (tests/brokers.py). Then two cases:

    backlog   the broker is stopped, K items are created over HTTP (each commits
              its outbox row), the broker is started again; measured: from the
              first event the consumer sees to the last, i.e. how fast the relay
              drains a backlog (and, separately, how long it took to reconnect)
    live      the broker is up; K items are created over HTTP with 32 requests in
              flight; measured: from the first request to the last event consumed,
              end to end (HTTP + commit + relay + broker + consumer); the rate
              of the HTTP writes alone is printed beside it

Every event is counted once by event_id; a run that does not see all K within
the timeout fails. Kafka is Tansu (memory-only, single process) and Redis,
RabbitMQ and NATS are Debian's servers, all on loopback on the same 2 cores as
the service, the database and the consumer, so the numbers compare the relay's
paths, not the brokers at scale. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
# After bench/ itself (sys.path[0]), so the repo root never shadows these modules.
sys.path.insert(1, str(TEMPLATE_DIR))

import project  # noqa: E402
from servers import serve, uvicorn_command  # noqa: E402

from tests.brokers import QUEUES, NatsQueue, Queue, RabbitMQQueue  # noqa: E402
from tests.services import BrokerServer, broker_server, free_port, postgres_server  # noqa: E402

BROKERS = ("rabbitmq", "kafka", "redis", "nats")
DATABASE = {"postgres": "postgres", "sqlite": "postgres", "memory": "none"}
IN_FLIGHT = 32
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Row:
    broker: str
    case: str
    events: int
    seconds: float
    reconnect_s: float | None = None
    # live only: how long the HTTP writes alone took, for context.
    writes_s: float | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("brokers", nargs="*", metavar="BROKER", help=f"any of {BROKERS}")
    parser.add_argument("--events", type=int, default=2000, help="K events per case")
    parser.add_argument("--store", choices=sorted(DATABASE), default="postgres")
    parser.add_argument("--uv-online", action="store_true", help="let uv reach the index")
    args = parser.parse_args()
    if unknown := set(args.brokers) - set(BROKERS):
        parser.error(f"unknown brokers {sorted(unknown)}; choose from {BROKERS}")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as workdir:
        for broker in args.brokers or BROKERS:
            print(f"== {broker}", file=sys.stderr)
            rows += bench_broker(broker, args, Path(workdir))
    print_table(rows, args)
    return 0


def bench_broker(broker: str, args: argparse.Namespace, workdir: Path) -> list[Row]:
    project_dir = project.render(
        TEMPLATE_DIR,
        workdir / broker,
        broker=broker,
        database=DATABASE[args.store],
        auth="none",
    )
    prefix = project.env_prefix(project_dir)
    python = project.sync_venv(project_dir, project.child_env(prefix), offline=not args.uv_online)
    with broker_server(broker) as server, store(args.store, project_dir, prefix) as store_env:
        env = project.child_env(
            prefix,
            **store_env,
            **{
                f"{prefix}BROKER_URL": server.url,
                f"{prefix}LOG_LEVEL": "WARNING",
                f"{prefix}BROKER_RETRY_MAX_SECONDS": "1",
            },
        )
        port = free_port()
        command = uvicorn_command(
            python, ["--factory", "app.main:create_app"], port, project.fast_stack_flags(python)
        )
        with serve(
            broker, command, port=port, cwd=project_dir, env=env, log_path=workdir / f"{broker}.log"
        ) as service:
            wait_ready(service.base_url)
            topic = project_dir.name
            return [
                backlog(broker, server, service.base_url, topic, args.events),
                live(broker, server, service.base_url, topic, args.events),
            ]


@contextlib.contextmanager
def store(kind: str, project_dir: Path, prefix: str) -> Iterator[dict[str, str]]:
    if kind == "memory":
        yield {}
        return
    if kind == "sqlite":
        env = {f"{prefix}DATABASE_URL": f"sqlite+aiosqlite:///{project_dir}/bench.db"}
        project.migrate(project_dir, project.child_env(prefix, **env))
        yield env
        return
    with postgres_server() as url:
        env = {f"{prefix}DATABASE_URL": url}
        project.migrate(project_dir, project.child_env(prefix, **env))
        yield env


def reader(broker: str, url: str, topic: str, name: str) -> Queue:
    if broker == "rabbitmq":
        return RabbitMQQueue(url, f"{topic}.{name}", exchange=topic, binding="items.#")
    if broker == "nats":
        return NatsQueue(url, f"{topic}.items", stream=topic.upper().replace("-", "_"))
    return QUEUES[broker](url, f"{topic}.items")


def backlog(broker: str, server: BrokerServer, base_url: str, topic: str, events: int) -> Row:
    consumer = reader(broker, server.url, topic, "bench-backlog")
    asyncio.run(consumer.prepare())
    asyncio.run(drain(consumer))  # whatever earlier runs left
    server.stop()
    try:
        asyncio.run(create_items(base_url, events, "backlog"))
    finally:
        server.start()
    started = time.perf_counter()
    if broker == "kafka":
        # Tansu lost the topic and every reader's place in it.
        consumer = reader(broker, server.url, topic, "bench-backlog")
    first = asyncio.run(collect(consumer, 1))
    first_at = time.perf_counter()
    seen = first | asyncio.run(collect(consumer, events - len(first)))
    done_at = time.perf_counter()
    check(broker, seen, events)
    return Row(broker, "backlog", events - len(first), done_at - first_at, first_at - started)


def live(broker: str, server: BrokerServer, base_url: str, topic: str, events: int) -> Row:
    consumer = reader(broker, server.url, topic, "bench-live")
    asyncio.run(consumer.prepare())
    asyncio.run(drain(consumer))

    written: list[float] = []

    async def write_and_read() -> set[str]:
        reading = asyncio.create_task(collect(consumer, events))
        await create_items(base_url, events, "live")
        written.append(time.perf_counter())
        return await reading

    started = time.perf_counter()
    seen = asyncio.run(write_and_read())
    check(broker, seen, events)
    done = time.perf_counter() - started
    return Row(broker, "live", events, done, writes_s=written[0] - started)


async def create_items(base_url: str, count: int, label: str) -> None:
    limit = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def create(number: int) -> None:
            async with limit:
                response = await client.post("/items", json={"name": f"{label}-{number}"})
                response.raise_for_status()

        await asyncio.gather(*(create(number) for number in range(count)))


async def collect(consumer: Queue, count: int) -> set[str]:
    """Distinct event ids until `count` of them or the timeout."""
    seen: set[str] = set()
    deadline = time.perf_counter() + TIMEOUT_S
    while len(seen) < count and time.perf_counter() < deadline:
        for body in await consumer.receive(count - len(seen), timeout=5):
            seen.add(json.loads(body)["event_id"])
    return seen


async def drain(consumer: Queue) -> None:
    while await consumer.receive(10_000, timeout=1):
        pass


def check(broker: str, seen: set[str], events: int) -> None:
    if len(seen) < events:
        raise RuntimeError(f"{broker}: saw {len(seen)} of {events} events in {TIMEOUT_S}s")


def wait_ready(base_url: str, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while httpx.get(f"{base_url}/ready", timeout=5).status_code != 200:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{base_url}/ready not 200 after {timeout}s")
        time.sleep(0.2)


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(f"store={args.store} events={args.events} in_flight={IN_FLIGHT}")
    print("| broker | case | events | seconds | events/s | reconnect s | HTTP writes/s |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        reconnect = "" if row.reconnect_s is None else f"{row.reconnect_s:.2f}"
        writes = "" if row.writes_s is None else f"{row.events / row.writes_s:,.0f}"
        print(
            f"| {row.broker} | {row.case} | {row.events} | {row.seconds:.2f} "
            f"| {row.rate:,.0f} | {reconnect} | {writes} |"
        )


if __name__ == "__main__":
    sys.exit(main())
