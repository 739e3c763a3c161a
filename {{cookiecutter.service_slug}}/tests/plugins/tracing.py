"""tracing=opentelemetry: the spans the app's tracer provider finished during a test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

_EXPORTER = InMemorySpanExporter()
_PROVIDERS_EXPORTING_TO_IT: list[TracerProvider] = []


@pytest.fixture
def spans(app: FastAPI) -> Iterator[InMemorySpanExporter]:
    """What the app's tracer provider finished during the test."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    if provider not in _PROVIDERS_EXPORTING_TO_IT:  # one per process, made by the first app
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        _PROVIDERS_EXPORTING_TO_IT.append(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]


@pytest.fixture
def tracing_settings() -> dict[str, Any]:
    """Nothing: the tracing settings are read on their own, and tests export nowhere."""
    return {}
