"""Prometheus metrics for HTTP traffic, labelled by route template, not raw path."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class HttpMetrics:
    """One set of collectors per app, so tests and multiple apps never collide."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests handled.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from receiving a request to sending the last response byte.",
            ["method", "route", "status"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "http_requests_in_flight",
            "HTTP requests being handled right now.",
            registry=self.registry,
        )
        # The labelled children, looked up once per label set: `labels()` checks and
        # locks on every call. Bounded: routes are templates, unmatched paths share one.
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: str, seconds: float) -> None:
        """Count one finished request and its duration."""
        labels = (method, route, status)
        children = self._children.get(labels)
        if children is None:
            children = self._children[labels] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        count, latency = children
        count.inc()
        latency.observe(seconds)
