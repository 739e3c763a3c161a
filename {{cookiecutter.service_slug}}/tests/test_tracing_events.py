"""tracing=opentelemetry with a broker: FastStream's publish and consume spans."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.eventing import eventually


async def test_published_and_consumed_events_have_messaging_spans(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.post("/items", json={"name": "sent", "description": "d"})

    def kinds() -> set[SpanKind]:
        return {span.kind for span in spans.get_finished_spans()}

    await eventually(lambda: {SpanKind.PRODUCER, SpanKind.CONSUMER} <= kinds())
    producers = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert all((span.attributes or {}).get("messaging.system") for span in producers)
