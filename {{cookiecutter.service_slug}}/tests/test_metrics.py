"""HTTP metrics: what /metrics shows must be what prometheus_client's own collectors show."""

from __future__ import annotations

from collections.abc import Iterator

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from app.metrics import BUCKETS, LABELS, HttpMetrics

# On a bucket's bound, just past it, past the largest bound, and zero.
REQUESTS = [
    ("GET", "/items/{item_id}", "200", 0.005),
    ("GET", "/items/{item_id}", "200", 0.0051),
    ("GET", "/items/{item_id}", "200", 0.0),
    ("GET", "/items/{item_id}", "404", 0.3),
    ("POST", "/items", "201", 10.0),
    ("POST", "/items", "201", 11.5),
]


@pytest.fixture
def no_created_series() -> Iterator[None]:
    # The standard collectors add `_created` samples, which ours leave out.
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    yield
    prometheus_client.enable_created_metrics()  # type: ignore[no-untyped-call]


def reference_exposition(in_flight: int) -> bytes:
    registry = CollectorRegistry()
    requests = Counter("http_requests", "HTTP requests handled.", LABELS, registry=registry)
    latency = Histogram(
        "http_request_duration_seconds",
        "Time from receiving a request to sending the last response byte.",
        LABELS,
        buckets=BUCKETS,
        registry=registry,
    )
    gauge = Gauge(
        "http_requests_in_flight", "HTTP requests being handled right now.", registry=registry
    )
    for method, route, status, seconds in REQUESTS:
        requests.labels(method, route, status).inc()
        latency.labels(method, route, status).observe(seconds)
    gauge.set(in_flight)
    return generate_latest(registry)


@pytest.mark.usefixtures("no_created_series")
def test_the_exposition_is_prometheus_clients_own_for_the_same_requests() -> None:
    metrics = HttpMetrics()
    metrics.started()  # one request still running at the scrape
    for method, route, status, seconds in REQUESTS:
        metrics.started()
        metrics.finished(method, route, status, seconds)

    assert generate_latest(metrics.registry) == reference_exposition(in_flight=1)


def test_each_app_counts_in_its_own_registry() -> None:
    first, second = HttpMetrics(), HttpMetrics()
    first.started()
    first.finished("GET", "/health", "200", 0.001)

    assert b"http_requests_total" in generate_latest(first.registry)
    assert b'route="/health"' not in generate_latest(second.registry)
