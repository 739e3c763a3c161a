"""Tier 2: one trace from `POST /items` to the consumer, as a real collector receives it.

The `tracing=opentelemetry broker=nats` rendering is served by uvicorn on a
real PostgreSQL and a real NATS server, exporting over OTLP/HTTP to a receiver
started here. A write's request span, the relay's publish and the consumer's
process span on the other side of the broker must arrive in one trace, each
a descendant of the one before; no span may carry the request's Authorization header or the item's
field values.
"""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.polling import wait_until
from tests.project import migrate_store, python_for, run, uvicorn
from tests.render import render
from tests.services import BrokerServer

pytestmark = [pytest.mark.tier2, pytest.mark.xdist_group("tracing-served")]

PREFIX = "ORDERS_SERVICE_"
ANSWERS = {"tracing": "opentelemetry", "broker": "nats", "auth": "none"}
SECRET_HEADER = "Bearer do-not-export-this-token"

# Run by the rendering's interpreter, which has the OTLP protobuf classes: each
# request body the receiver kept becomes one JSON line per span.
DECODE = """
import sys, json
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
for path in sys.argv[1:]:
    request = ExportTraceServiceRequest.FromString(open(path, "rb").read())
    for resource in request.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                print(json.dumps({
                    "name": span.name,
                    "kind": span.kind,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "attributes": {
                        a.key: str(getattr(a.value, a.value.WhichOneof("value")))
                        for a in span.attributes
                    },
                }))
"""
# OTLP's SpanKind numbering.
SERVER, PRODUCER, CONSUMER = 2, 4, 5


class OtlpReceiver:
    """An OTLP/HTTP endpoint that keeps every export request body in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.exports = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.keep(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, message: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def keep(self, path: str, body: bytes) -> None:
        with self._lock:
            self.paths.append(path)
            (self.directory / f"{len(self.paths):05d}.pb").write_bytes(body)

    def bodies(self) -> list[Path]:
        return sorted(self.directory.glob("*.pb"))


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[OtlpReceiver]:
    directory = tmp_path / "exports"
    directory.mkdir()
    receiver = OtlpReceiver(directory)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rendered = render(tmp_path_factory.mktemp("tracing-served"), ANSWERS)
    run(rendered, "uv", "sync", "--python", python_for("3.12"), "--quiet")
    return rendered


def fresh_database(postgres_url: str) -> str:
    """A database of its own on the session's server, so earlier projects' tables are not in it."""
    name = f"traced_{uuid.uuid4().hex[:12]}"
    admin = postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, timeout=60)
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


def received_spans(project: Path, receiver: OtlpReceiver) -> list[dict[str, Any]]:
    bodies = receiver.bodies()
    if not bodies:
        return []
    output = run(project, ".venv/bin/python", "-c", DECODE, *map(str, bodies))
    return [json.loads(line) for line in output.splitlines()]


def test_a_write_and_its_consumed_event_arrive_at_the_collector_as_one_trace(
    project: Path,
    receiver: OtlpReceiver,
    postgres_url: str,
    nats_server: BrokerServer,
) -> None:
    env = migrate_store(project, {f"{PREFIX}DATABASE_URL": fresh_database(postgres_url)})
    env |= {
        f"{PREFIX}BROKER_URL": nats_server.url,
        f"{PREFIX}OTLP_ENDPOINT": receiver.url,
        f"{PREFIX}TRACE_SAMPLE_RATIO": "1.0",
        # The SDK's batch processor exports every 5 s by default.
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    with uvicorn(project, env) as url:
        created = httpx.post(
            f"{url}/items",
            json={"name": "traced-write", "description": "secret-description"},
            headers={"Authorization": SECRET_HEADER},
            timeout=10,
        )
        assert created.status_code == 201, created.text

        def one_trace() -> list[dict[str, Any]] | None:
            spans = received_spans(project, receiver)
            requests = [s for s in spans if s["kind"] == SERVER and s["name"] == "POST /items"]
            if not requests:
                return None
            trace = [s for s in spans if s["trace_id"] == requests[0]["trace_id"]]
            return trace if any(s["kind"] == CONSUMER for s in trace) else None

        trace = wait_until(
            one_trace, 30, what="the write's consumer span at the receiver", interval=0.5
        )

    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    by_id = {span["span_id"]: span for span in trace}
    [request] = [s for s in trace if s["kind"] == SERVER]
    assert request["parent_span_id"] == ""

    def ancestors(span: dict[str, Any]) -> list[dict[str, Any]]:
        chain = []
        while span["parent_span_id"]:
            span = by_id[span["parent_span_id"]]
            chain.append(span)
        return chain

    # FastStream's create span is the message's own context, its publish span a sibling.
    producers = [s for s in trace if s["kind"] == PRODUCER]
    assert {s["name"].rsplit(" ", 1)[1] for s in producers} >= {"create", "publish"}
    assert all(request in ancestors(producer) for producer in producers)
    consumers = [s for s in trace if s["kind"] == CONSUMER]
    for consumer in consumers:
        assert any(p in ancestors(consumer) for p in producers), consumer["name"]
    database = [s for s in trace if s["attributes"].get("db.system.name") == "postgresql"]
    assert database and all(request in ancestors(span) for span in database)
    exported = json.dumps(trace)
    assert "do-not-export-this-token" not in exported
    assert "secret-description" not in exported
