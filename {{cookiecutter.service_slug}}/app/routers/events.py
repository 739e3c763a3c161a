"""Item events over WebSocket, and the AsyncAPI document of the broker side."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.specification import get_asyncapi_html

{% if cookiecutter.auth != "none" -%}
from app.auth.websocket import authenticate_websocket
{% endif -%}
from app.container import container_of
from app.events.hub import EventHub

router = APIRouter(tags=["events"])
# Served only with DOCS_ENABLED, like /docs and /openapi.json.
asyncapi_router = APIRouter(tags=["events"])


@router.websocket("/items/events")
async def item_events(websocket: WebSocket) -> None:
    """Every item event, as JSON text frames, from the moment the socket is open."""
    await websocket.accept()
{%- if cookiecutter.auth != "none" %}
    if await authenticate_websocket(websocket) is None:
        return
{%- endif %}
    hub: EventHub = container_of(websocket).events.hub
    with hub.subscribe() as queue:
        # The client sends nothing more; receiving only notices that it left.
        departure = asyncio.create_task(_until_disconnect(websocket))
        try:
            while True:
                next_event = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait(
                    {next_event, departure}, return_when=asyncio.FIRST_COMPLETED
                )
                if departure in done:
                    next_event.cancel()
                    return
                event = next_event.result()
                if event is None:
                    await websocket.close(code=1013, reason="Too slow: events were piling up.")
                    return
                await websocket.send_text(event.model_dump_json())
        finally:
            departure.cancel()
            with suppress(asyncio.CancelledError):
                await departure


async def _until_disconnect(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


@asyncapi_router.get("/asyncapi", include_in_schema=False)
async def asyncapi_page(request: Request) -> HTMLResponse:
    return HTMLResponse(get_asyncapi_html(container_of(request).events.asyncapi.to_specification()))


@asyncapi_router.get("/asyncapi.json", summary="AsyncAPI 3 document of the events")
async def asyncapi_document(request: Request) -> JSONResponse:
    return JSONResponse(container_of(request).events.asyncapi.to_specification().to_jsonable())
