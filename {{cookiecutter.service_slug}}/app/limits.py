"""Pure ASGI limits on what a client may send: body size and how slowly it arrives.

They run before authentication and body parsing, so an anonymous client can
neither make the service hold a huge body in memory nor keep a request (and its
worker's memory) open by never finishing the body. Header size and the time to
send headers are bounded by the HTTP server and the ingress (see README).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response


class RequestBodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"The request body is larger than the {limit} bytes this service accepts.",
        )


class RequestBodyTimeout(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            HTTPStatus.REQUEST_TIMEOUT,
            f"The request body did not arrive within {seconds:g} seconds of the previous part.",
        )


class RequestLimitsMiddleware:
    """413 for a body over `max_body_bytes`, 408 when the body stalls for `body_timeout_seconds`.

    A declared `Content-Length` over the cap is refused before a byte of the body
    is read; otherwise bytes are counted as they arrive, so chunked bodies are
    capped too. The errors raised while the app reads the body are HTTP
    exceptions, which FastAPI passes on unchanged to the problem handlers.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _declared_body(scope)
        if declared is not None and declared > self.max_body_bytes:
            error = RequestBodyTooLarge(self.max_body_bytes)
            response = problem_response(error.status_code, error.detail, instance=scope["path"])
            await response(scope, receive, send)
            return
        if not chunked and not declared:
            # No Content-Length (or 0) and not chunked: HTTP/1.1 says there is no
            # body, so nothing can be too large or stall; most GETs end here.
            await self.app(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _limited(self, receive: Receive) -> Receive:
        received = 0
        body_complete = False

        async def limited_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:
                # Later receives wait for the disconnect, as long as a response
                # streams: no deadline there.
                return await receive()
            try:
                async with asyncio.timeout(self.body_timeout_seconds):
                    message = await receive()
            except TimeoutError:
                raise RequestBodyTimeout(self.body_timeout_seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise RequestBodyTooLarge(self.max_body_bytes)
                body_complete = not message.get("more_body", False)
            return message

        return limited_receive


def _declared_body(scope: Scope) -> tuple[int | None, bool]:
    """The request's Content-Length, if any, and whether its body is chunked."""
    length, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            # The HTTP server has already refused a malformed value.
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked
