"""A served rendering while its real PostgreSQL stops for 5 s under 20 concurrent clients.

Every request gets an answer: 2xx, or 503 problem+json with Retry-After while
the database is away; never a 500. The service logs one line when the
database goes and one when it is back, and serves again without a restart.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.availability import skip_or_fail
from tests.polling import wait_until
from tests.project import migrate_store, uvicorn
from tests.served import PREFIX, PROBLEM, install
from tests.services import ServiceUnavailable, as_postgres_user, free_port, postgres_bin

pytestmark = [pytest.mark.contract, pytest.mark.xdist_group("contract-postgres-on-postgresql")]

CLIENTS = 20
OUTAGE_SECONDS = 5


class PostgresCluster:
    """A throwaway PostgreSQL cluster that can be stopped and started on the same port."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        self.run_as = as_postgres_user()
        self.workdir = Path(tempfile.mkdtemp(prefix="template-pg-outage-"))
        if self.run_as:
            os.chown(self.workdir, self.run_as["user"], self.run_as["group"])  # type: ignore[arg-type]
        self.data, self.port = self.workdir / "data", free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=60, **self.run_as)  # type: ignore[call-overload]

    def init(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.workdir} -c fsync=off"
        log = str(self.workdir / "log")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        # Fast shutdown: open sessions are terminated, as on a failover or a restart.
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    try:
        server = PostgresCluster()
    except ServiceUnavailable as error:
        skip_or_fail(str(error))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.close()


@dataclass
class Outcomes:
    statuses: Counter[int] = field(default_factory=Counter)
    malformed_503: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response) -> None:
        problem = None
        if response.status_code == 503:
            problem = _problem_fault(response)
        with self.lock:
            self.statuses[response.status_code] += 1
            if problem:
                self.malformed_503.append(problem)


def _problem_fault(response: httpx.Response) -> str | None:
    if response.headers.get("content-type") != PROBLEM:
        return f"content-type {response.headers.get('content-type')}"
    if not response.headers.get("retry-after", "").isdigit():
        return f"Retry-After {response.headers.get('retry-after')!r}"
    body = response.json()
    if (body.get("type"), body.get("status")) != ("about:blank", 503):
        return f"body {body}"
    return None


def client_loop(url: str, number: int, stop: threading.Event, outcomes: Outcomes) -> None:
    """Create, read by id and list items until told to stop, recording each answer."""
    names = (f"client-{number}-{n}" for n in itertools.count())
    with httpx.Client(base_url=url, timeout=15) as client:
        last_id = None
        while not stop.is_set():
            try:
                created = client.post("/items", json={"name": next(names)})
                outcomes.record(created)
                if created.status_code == 201:
                    last_id = created.json()["id"]
                if last_id is not None:
                    outcomes.record(client.get(f"/items/{last_id}"))
                outcomes.record(client.get("/items", params={"limit": 5}))
            except httpx.HTTPError as error:
                with outcomes.lock:
                    outcomes.transport_errors.append(repr(error))


def log_messages(log: Path) -> Counter[str]:
    messages: Counter[str] = Counter()
    for line in log.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            messages[json.loads(line).get("message", "")] += 1
    return messages


def test_postgresql_stopped_5_s_under_20_clients_gives_503s_not_500s_and_recovers(
    cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = install("postgres", tmp_path_factory)
    env = migrate_store(
        project,
        {f"{PREFIX}DATABASE_URL": cluster.url, f"{PREFIX}DATABASE_TIMEOUT_SECONDS": "2"},
    )
    outcomes, stop = Outcomes(), threading.Event()
    with uvicorn(project, env) as url:
        threads = [
            threading.Thread(target=client_loop, args=(url, n, stop, outcomes))
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)
            cluster.stop()
            time.sleep(OUTAGE_SECONDS)
            cluster.start()
            time.sleep(2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        with httpx.Client(base_url=url, timeout=10) as client:
            wait_until(
                lambda: client.post("/items", json={"name": "after"}).status_code == 201,
                10,
                what="a write answered 201 after the outage",
                interval=0.2,
            )
        time.sleep(0.2)  # the last log lines reach the file
        messages = log_messages(project / "uvicorn.log")

    print(
        f"\nPostgreSQL stopped {OUTAGE_SECONDS} s under {CLIENTS} clients: "
        f"{sum(outcomes.statuses.values())} requests, statuses {dict(outcomes.statuses)}, "
        f"'database unavailable' x{messages['database unavailable']}, "
        f"'database is back' x{messages['database is back']}, "
        f"'unhandled error' x{messages['unhandled error']}"
    )
    assert outcomes.transport_errors == []
    unhandled = [
        line
        for line in (project / "uvicorn.log").read_text().splitlines()
        if '"unhandled error"' in line
    ]
    assert {status for status in outcomes.statuses if status >= 500} == {503}, unhandled[:2]
    assert outcomes.statuses[201] > 0 and outcomes.statuses[200] > 0
    assert outcomes.malformed_503 == []
    assert messages["database unavailable"] == 1
    assert messages["database is back"] == 1
    assert messages["unhandled error"] == 0
