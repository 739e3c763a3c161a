"""GZip for the clients that accept it; every other request goes straight through.

Starlette's GZipMiddleware wraps each response, even for a client that sent no
`Accept-Encoding: gzip`, only to pass it on unchanged. Probes, scrapes and most
service-to-service callers send none, so they paid that layer on every request.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and accepts_gzip(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def accepts_gzip(scope: Scope) -> bool:
    # The same test as Starlette's: a substring of the header, weights ignored.
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])
