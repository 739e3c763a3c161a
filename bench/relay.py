"""Publish throughput through the transactional outbox and its relay, per broker.

    python bench/relay.py [--events K] [--store postgres|sqlite|memory] [--json PATH]
                          [--batch-size N] [--concurrency N] [--template DIR] [BROKER ...]

For each broker (default: rabbitmq kafka redis nats) one run renders the
`broker=B` project (`auth=none`, `database=postgres` on a throwaway PostgreSQL
by default), builds its venv, migrates, starts the broker from
tests/services.py and the service under uvicorn, and prepares a consumer on the
service's event destination (tests/brokers.py). Then two cases:

    backlog   the broker is stopped, K items are created over HTTP (each commits
              its outbox row), the broker is started again; measured: how fast the
              relay drains the backlog, from the outbox's own `sent_at` stamps (the
              events marked sent after the relay's first batch, over the time from
              that batch to the last); PASS/BELOW against 5,000 events/s. Beside
              it the rate the consumer saw (first event to last), which includes
              the test consumer's own pace, and how long reconnecting took
    live      the broker is up; K items are created over HTTP with 32 requests in
              flight; measured: from the first request to the last event consumed,
              end to end (HTTP + commit + relay + broker + consumer), the rate of
              the HTTP writes alone, and whether the relay kept up: the events
              still unsent when the writes ended and the seconds it took to send them

Every event is counted once by event_id; a run that does not see all K within
the timeout fails. With `--store memory` there is no outbox table to read, so
the consumer's view is all there is. Kafka is Tansu (memory-only, single process) and Redis,
RabbitMQ and NATS are Debian's servers, all on loopback on the same 2 cores as
the service, the database and the consumer, so the numbers compare the relay's
paths, not the brokers at scale. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import aio_pika
import httpx

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
# After bench/ itself (sys.path[0]), so the repo root never shadows these modules.
sys.path.insert(1, str(TEMPLATE_DIR))

import project  # noqa: E402
from servers import cpu_seconds, serve, uvicorn_command  # noqa: E402

from tests.brokers import QUEUES, NatsQueue, Queue, RabbitMQQueue  # noqa: E402
from tests.services import (  # noqa: E402
    BrokerServer,
    broker_server,
    free_port,
    postgres_bin,
    postgres_server,
)

BROKERS = ("rabbitmq", "kafka", "redis", "nats")
DATABASE = {"postgres": "postgres", "sqlite": "postgres", "memory": "none"}
IN_FLIGHT = 32
TIMEOUT_S = 300.0
# Draining a destination before the live case: a few thousand events at most.
DRAIN_TIMEOUT_S = 60.0
# Issue 14: a backlog drains at >= 5,000 events/s on every broker.
TARGET_EVENTS_PER_S = 5000.0


@dataclass(frozen=True)
class Row:
    broker: str
    case: str
    events: int
    # backlog: the relay's drain, from the outbox (the consumer's view without one).
    # live: first request to last event consumed.
    seconds: float
    reconnect_s: float | None = None
    # backlog: first to last event the consumer saw, and the service's CPU seconds
    # from the broker's restart to the outbox being drained (load-independent cost).
    consumer_s: float | None = None
    service_cpu_s: float | None = None
    # live only: how long the HTTP writes alone took, and what was left to send then.
    writes_s: float | None = None
    unsent_at_writes_end: int | None = None
    drain_after_writes_s: float | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us_per_event(self) -> float | None:
        return None if self.service_cpu_s is None else self.service_cpu_s / self.events * 1e6

    @property
    def verdict(self) -> str:
        if self.case != "backlog":
            return ""
        return "PASS" if self.rate >= TARGET_EVENTS_PER_S else "BELOW"

    def as_dict(self) -> dict[str, object]:
        return {
            "broker": self.broker,
            "case": self.case,
            "events": self.events,
            "seconds": self.seconds,
            "events_per_s": self.rate,
            "target_events_per_s": TARGET_EVENTS_PER_S if self.case == "backlog" else None,
            "verdict": self.verdict or None,
            "reconnect_s": self.reconnect_s,
            "consumer_s": self.consumer_s,
            "service_cpu_us_per_event": self.cpu_us_per_event,
            "writes_s": self.writes_s,
            "unsent_at_writes_end": self.unsent_at_writes_end,
            "drain_after_writes_s": self.drain_after_writes_s,
        }


class OutboxTable:
    """Reads the service's outbox table from outside: what is unsent, when batches were sent."""

    def __init__(self, url: str) -> None:
        self._url = url

    def query(self, sql: str) -> list[str]:
        if self._url.startswith("sqlite"):
            path = self._url.split(":///", 1)[1]
            with contextlib.closing(sqlite3.connect(path)) as connection:
                row = connection.execute(sql).fetchone()
            return ["" if value is None else str(value) for value in row]
        output = subprocess.run(
            [postgres_bin("psql"), self._url.replace("+asyncpg", ""), "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return output.strip().split("|")

    def unsent(self) -> int:
        return int(self.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0])

    def wait_empty(self) -> float:
        """Seconds until nothing is unsent."""
        started = time.perf_counter()
        while self.unsent():
            if time.perf_counter() - started > TIMEOUT_S:
                raise TimeoutError(f"outbox not drained in {TIMEOUT_S}s")
            time.sleep(0.05)
        return time.perf_counter() - started

    def drain_rate(self, since_id: int) -> tuple[int, float]:
        """Events sent after the relay's first batch, and the seconds from it to the last."""
        if self._url.startswith("sqlite"):
            span = "(julianday(max(sent_at)) - julianday(min(sent_at))) * 86400"
        else:
            span = "extract(epoch FROM max(sent_at) - min(sent_at))"
        first_sent = f"(SELECT min(sent_at) FROM outbox WHERE id > {since_id})"
        count, seconds = self.query(
            f"SELECT count(*) FILTER (WHERE sent_at > {first_sent}), {span} "
            f"FROM outbox WHERE id > {since_id}"
        )
        return int(count), float(seconds or 0)

    def last_id(self) -> int:
        return int(self.query("SELECT coalesce(max(id), 0) FROM outbox")[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("brokers", nargs="*", metavar="BROKER", help=f"any of {BROKERS}")
    parser.add_argument("--events", type=int, default=2000, help="K events per case")
    parser.add_argument("--store", choices=sorted(DATABASE), default="postgres")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--batch-size", type=int, help="the service's OUTBOX_BATCH_SIZE")
    parser.add_argument("--concurrency", type=int, help="the service's OUTBOX_PUBLISH_CONCURRENCY")
    parser.add_argument(
        "--template", type=Path, default=TEMPLATE_DIR, help="render this checkout (before/after)"
    )
    parser.add_argument("--uv-online", action="store_true", help="let uv reach the index")
    args = parser.parse_args()
    # `timeout` and CI send SIGTERM: stop the servers this run started on the way out.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if unknown := set(args.brokers) - set(BROKERS):
        parser.error(f"unknown brokers {sorted(unknown)}; choose from {BROKERS}")
    rows: list[Row] = []
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as workdir:
        for broker in args.brokers or BROKERS:
            print(f"== {broker}", file=sys.stderr)
            # One broker's failure is reported, and the others are still measured.
            try:
                bench_broker(broker, args, Path(workdir), rows)
            except (RuntimeError, TimeoutError) as error:
                failures[broker] = str(error)
    print_table(rows, args)
    for broker, error in failures.items():
        print(f"FAILED {broker}: {error}")
    if args.json:
        document = {
            "store": args.store,
            "events": args.events,
            "in_flight": IN_FLIGHT,
            "batch_size": args.batch_size,
            "concurrency": args.concurrency,
            "rows": [row.as_dict() for row in rows],
            "failures": failures,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if failures else 0


def bench_broker(broker: str, args: argparse.Namespace, workdir: Path, rows: list[Row]) -> None:
    project_dir = project.render(
        args.template,
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
                **relay_env(prefix, args),
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
            table = OutboxTable(store_env[f"{prefix}DATABASE_URL"]) if store_env else None
            # Each row as soon as it is measured: a failing live case keeps the backlog's.
            rows.append(
                backlog(
                    broker, server, service.base_url, topic, args.events, table, service.process.pid
                )
            )
            print(f"measured: {rows[-1]}", file=sys.stderr)
            rows.append(live(broker, server, service.base_url, topic, args.events, table))
            print(f"measured: {rows[-1]}", file=sys.stderr)


def relay_env(prefix: str, args: argparse.Namespace) -> dict[str, str]:
    env = {}
    if args.batch_size is not None:
        env[f"{prefix}OUTBOX_BATCH_SIZE"] = str(args.batch_size)
    if args.concurrency is not None:
        env[f"{prefix}OUTBOX_PUBLISH_CONCURRENCY"] = str(args.concurrency)
    return env


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


class StreamingRabbitMQQueue(RabbitMQQueue):
    """Consumes with a prefetch window: the tests' one `basic_get` per message reads ~20/s."""

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        received: list[bytes] = []
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=1000)
            queue = await channel.declare_queue(self.name, durable=True)
            # Unacknowledged deliveries left at the timeout are redelivered; collect() dedups.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout), queue.iterator() as messages:
                    async for message in messages:
                        received.append(message.body)
                        await message.ack()
                        if len(received) >= count:
                            break
        return received


def reader(broker: str, url: str, topic: str, name: str) -> Queue:
    if broker == "rabbitmq":
        return StreamingRabbitMQQueue(url, f"{topic}.{name}", exchange=topic, binding="items.#")
    if broker == "nats":
        return NatsQueue(url, f"{topic}.items", stream=topic.upper().replace("-", "_"))
    return QUEUES[broker](url, f"{topic}.items")


def backlog(
    broker: str,
    server: BrokerServer,
    base_url: str,
    topic: str,
    events: int,
    table: OutboxTable | None,
    service_pid: int,
) -> Row:
    consumer = reader(broker, server.url, topic, "bench-backlog")
    asyncio.run(consumer.prepare())
    asyncio.run(drain(consumer))  # whatever earlier runs left
    since_id = table.last_id() if table else 0
    server.stop()
    try:
        asyncio.run(create_items(base_url, events, "backlog"))
    finally:
        server.start()
    cpu_before = cpu_seconds(service_pid)
    started = time.perf_counter()
    if broker == "kafka":
        # Tansu lost the topic and every reader's place in it.
        consumer = reader(broker, server.url, topic, "bench-backlog")
    first = asyncio.run(collect(consumer, 1))
    first_at = time.perf_counter()
    seen = first | asyncio.run(collect(consumer, events - len(first)))
    done_at = time.perf_counter()
    check(broker, seen, events)
    consumer_s = done_at - first_at
    if table is None:
        return Row(broker, "backlog", events - len(first), consumer_s, first_at - started)
    table.wait_empty()
    cpu_s = cpu_seconds(service_pid) - cpu_before
    drained, seconds = table.drain_rate(since_id)
    return Row(
        broker,
        "backlog",
        drained,
        seconds,
        first_at - started,
        consumer_s=consumer_s,
        service_cpu_s=cpu_s * drained / events,
    )


def live(
    broker: str,
    server: BrokerServer,
    base_url: str,
    topic: str,
    events: int,
    table: OutboxTable | None,
) -> Row:
    consumer = reader(broker, server.url, topic, "bench-live")
    asyncio.run(consumer.prepare())
    asyncio.run(drain(consumer))

    written: list[float] = []
    # Unsent events when the writes ended, and the seconds until none was left.
    keeping_up: list[float] = []

    async def write_and_read() -> set[str]:
        reading = asyncio.create_task(collect(consumer, events))
        await create_items(base_url, events, "live")
        written.append(time.perf_counter())
        if table is not None:
            keeping_up.extend(await asyncio.to_thread(backlog_after_writes, table))
        return await reading

    started = time.perf_counter()
    seen = asyncio.run(write_and_read())
    check(broker, seen, events)
    done = time.perf_counter() - started
    unsent, drain_s = keeping_up or (None, None)
    return Row(
        broker,
        "live",
        events,
        done,
        writes_s=written[0] - started,
        unsent_at_writes_end=None if unsent is None else int(unsent),
        drain_after_writes_s=drain_s,
    )


def backlog_after_writes(table: OutboxTable) -> tuple[int, float]:
    return table.unsent(), table.wait_empty()


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
    """Read what the destination already holds, so the case counts only its own events."""
    deadline = time.perf_counter() + DRAIN_TIMEOUT_S
    while await consumer.receive(10_000, timeout=1):
        # A reader that keeps re-reading (the Kafka one did, against Tansu's low end
        # offsets: a silent 20-minute hang of the live case) fails the broker's row.
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the destination still delivered after {DRAIN_TIMEOUT_S:.0f}s")


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
    print(
        f"store={args.store} events={args.events} in_flight={IN_FLIGHT} "
        f"batch_size={args.batch_size or 'default'} concurrency={args.concurrency or 'default'}"
    )
    print(
        f"| broker | case | events | seconds | events/s | vs {TARGET_EVENTS_PER_S:,.0f} "
        "| service CPU µs/event | consumer events/s | reconnect s | HTTP writes/s "
        "| unsent at writes end | drained after s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.broker} | {row.case} | {row.events} | {row.seconds:.2f} "
            f"| {row.rate:,.0f} | {row.verdict} | {_fmt(row.cpu_us_per_event, ',.0f')} "
            f"| {_fmt(row.consumer_s and row.events / row.consumer_s, ',.0f')} "
            f"| {_fmt(row.reconnect_s, '.2f')} "
            f"| {_fmt(row.writes_s and row.events / row.writes_s, ',.0f')} "
            f"| {_fmt(row.unsent_at_writes_end, 'd')} | {_fmt(row.drain_after_writes_s, '.2f')} |"
        )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


if __name__ == "__main__":
    sys.exit(main())
