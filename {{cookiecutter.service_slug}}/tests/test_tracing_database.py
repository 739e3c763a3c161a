"""tracing=opentelemetry with a database: its calls are spans inside a request's trace only."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.plugins.tracing import server_spans


async def test_database_calls_are_children_of_the_request_span(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    created = await client.post("/items", json={"name": "traced", "description": "d"})
    spans.clear()
    await client.get(f"/items/{created.json()['id']}")

    [request] = server_spans(spans)
    database = [span for span in spans.get_finished_spans() if span.kind is SpanKind.CLIENT]
    assert database, "no database span"
    parents = {span.parent.span_id if span.parent else None for span in database}
    assert parents == {request.context.span_id}
    assert all((span.attributes or {}).get("db.system.name") for span in database)


async def test_database_calls_outside_a_trace_make_no_spans(
    app: FastAPI, spans: InMemorySpanExporter
) -> None:
    await app.state.container.items.count()  # as the relay's polling does: no request around it

    assert spans.get_finished_spans() == ()
