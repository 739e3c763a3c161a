"""tracing=opentelemetry with a broker: FastStream's publish and consume spans."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.eventing import eventually
from tests.plugins.tracing import server_spans


async def test_published_and_consumed_events_have_messaging_spans(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.post("/items", json={"name": "sent", "description": "d"})

    def kinds() -> set[SpanKind]:
        return {span.kind for span in spans.get_finished_spans()}

    await eventually(lambda: {SpanKind.PRODUCER, SpanKind.CONSUMER} <= kinds())
    producers = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert all((span.attributes or {}).get("messaging.system") for span in producers)


async def test_one_trace_joins_the_request_to_the_relays_publish_and_the_consumer(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.post("/items", json={"name": "followed", "description": "d"})

    def finished() -> list[ReadableSpan]:
        return list(spans.get_finished_spans())

    def consumed() -> bool:
        return any(span.kind is SpanKind.CONSUMER for span in finished())

    await eventually(consumed)
    (request,) = server_spans(spans)
    trace_id = request.context.trace_id
    in_trace = [span for span in finished() if span.context.trace_id == trace_id]
    by_id = {span.context.span_id: span for span in in_trace}

    def ancestors(span: ReadableSpan) -> list[ReadableSpan]:
        chain = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span)
        return chain

    publishes = [
        span
        for span in in_trace
        if span.kind is SpanKind.PRODUCER
        and (span.attributes or {}).get("messaging.operation") == "publish"
    ]
    (consumer,) = [span for span in in_trace if span.kind is SpanKind.CONSUMER]
    (publish,) = publishes
    # The relay published later, in no request's context: it took the stored one.
    assert request in ancestors(publish)
    # FastStream sends the context of its `create` span, the publish span's parent.
    assert consumer.parent is not None
    assert publish.parent is not None
    assert consumer.parent.span_id == publish.parent.span_id
    assert request in ancestors(consumer)
