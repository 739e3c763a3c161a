"""The moments after a WebSocket is accepted: the caller authenticates, or the socket closes.

Browsers cannot set headers on a WebSocket, and a credential in the URL ends up
in access logs and proxy logs; so a browser sends its credential as the first
message, within AUTH_TIMEOUT_SECONDS. Anything else closes the socket with code
1008 (policy violation) and a reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import WebSocket, WebSocketDisconnect, status

from app.auth.principal import Principal

AUTH_TIMEOUT_SECONDS = 5.0


class WebSocketAuthError(Exception):
    """The socket did not authenticate; the message is the close reason."""


async def principal_or_close(
    websocket: WebSocket, authenticate: Callable[[WebSocket], Awaitable[Principal]]
) -> Principal | None:
    """The caller `authenticate` finds, or None after closing the socket with the reason."""
    try:
        return await authenticate(websocket)
    except WebSocketAuthError as error:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(error))
        return None


async def receive_credential(
    websocket: WebSocket, field: str, *, too_late: str, malformed: str
) -> str:
    """The string under `field` in the first message; the other two are the refusals."""
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            message = await websocket.receive_json()
    except TimeoutError:
        raise WebSocketAuthError(too_late) from None
    except (ValueError, WebSocketDisconnect):
        raise WebSocketAuthError(malformed) from None
    credential = message.get(field) if isinstance(message, dict) else None
    if not isinstance(credential, str):
        raise WebSocketAuthError(malformed)
    return credential
