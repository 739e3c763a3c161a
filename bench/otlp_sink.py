"""A stand-in OTLP/HTTP collector: accepts every trace export and counts it.

    python bench/otlp_sink.py PORT

POST /v1/traces answers 200 with an empty ExportTraceServiceResponse (an empty
protobuf body is a valid one), so the service's exporter does its real work:
serialising, sending, waiting for the answer. GET /health answers the counts
so far as JSON: export requests, and the spans in them (by name) when the interpreter has
opentelemetry-proto (the rendered project's venv does; bench/options.py runs
this with it). Loopback only.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
except ImportError:  # only the export requests are counted then
    ExportTraceServiceRequest = None

HOST = "127.0.0.1"


class Counts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.spans: Counter[str] = Counter()

    def add(self, span_names: list[str]) -> None:
        with self._lock:
            self.requests += 1
            self.spans.update(span_names)

    def as_json(self) -> bytes:
        with self._lock:
            counted = ExportTraceServiceRequest is not None
            document = {
                "requests": self.requests,
                "spans": self.spans.total() if counted else None,
                "span_names": dict(self.spans),
            }
        return json.dumps(document).encode()


COUNTS = Counts()


def span_names(body: bytes) -> list[str]:
    if ExportTraceServiceRequest is None:
        return []
    request = ExportTraceServiceRequest.FromString(body)
    return [
        span.name
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as a real collector: the exporter reuses its connection.
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/v1/traces":
            self._answer(404, b"", "text/plain")
            return
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        COUNTS.add(span_names(body))
        self._answer(200, b"", "application/x-protobuf")

    def do_GET(self) -> None:
        if self.path == "/health":
            self._answer(200, COUNTS.as_json(), "application/json")
        else:
            self._answer(404, b"", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # One line per export would be noise in the log the bench keeps.
        pass


def main() -> None:
    server = ThreadingHTTPServer((HOST, int(sys.argv[1])), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
