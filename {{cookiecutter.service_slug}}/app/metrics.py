"""Prometheus metrics for HTTP traffic, labelled by route template, not raw path."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

LABELS = ("method", "route", "status")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The `le` values prometheus_client's Histogram writes for these bounds ("1.0", not "1").
_BUCKET_NAMES = [*(str(bound) for bound in BUCKETS), "+Inf"]


class _Series:
    """One label set's requests: a count per bucket (the last is +Inf) and their sum."""

    __slots__ = ("buckets", "total_seconds")

    def __init__(self) -> None:
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.total_seconds = 0.0


class HttpMetrics(Collector):
    """One set of HTTP metrics per app, so tests and multiple apps never collide.

    Requests are counted in plain lists by the event loop, the only thread that
    handles them, and become metric families only when /metrics is scraped:
    prometheus_client's own Counter, Histogram and Gauge take a lock for every
    increment, five per request: about 6 µs a request, against under 1 µs here.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.in_flight = 0
        # Bounded: routes are templates, unmatched paths share one label.
        self._series: dict[tuple[str, str, str], _Series] = {}
        self.registry.register(self)

    def started(self) -> None:
        self.in_flight += 1

    def finished(self, method: str, route: str, status: str, seconds: float) -> None:
        """Count one finished request and its duration."""
        self.in_flight -= 1
        labels = (method, route, status)
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = _Series()
        # Prometheus buckets are upper bounds: a duration equal to one counts in it.
        series.buckets[bisect_left(BUCKETS, seconds)] += 1
        series.total_seconds += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("http_requests", "HTTP requests handled.", labels=LABELS)
        latency = HistogramMetricFamily(
            "http_request_duration_seconds",
            "Time from receiving a request to sending the last response byte.",
            labels=LABELS,
        )
        for labels, series in list(self._series.items()):
            cumulative, buckets = 0, []
            for name, count in zip(_BUCKET_NAMES, series.buckets, strict=True):
                cumulative += count
                buckets.append((name, float(cumulative)))
            requests.add_metric(labels, cumulative)
            latency.add_metric(labels, buckets, series.total_seconds)
        yield requests
        yield latency
        yield GaugeMetricFamily(
            "http_requests_in_flight", "HTTP requests being handled right now.", self.in_flight
        )
