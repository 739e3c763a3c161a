"""Authenticating a WebSocket: the API key in its header, or in the first message.

A service opening the socket sends the key in the API key header
(API_KEY_HEADER, `X-API-Key` by default), as on every other request; without
the header the client sends `{"api_key": "<key>"}` as its first message (see
app/auth/handshake.py for the rules every socket follows).
"""

from __future__ import annotations

from fastapi import WebSocket

from app.auth.handshake import WebSocketAuthError, principal_or_close, receive_credential
from app.auth.principal import Principal
from app.auth.scopes import ITEMS_READ
from app.container import container_of

FIRST_MESSAGE = 'Send the API key in its header or as the first message {"api_key": "<key>"}.'


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    """The caller of an accepted socket (with items:read), or None after closing it with the reason.

    The event feed calls only this function: each auth scheme provides its own.
    """
    return await principal_or_close(websocket, _principal)


async def _principal(websocket: WebSocket) -> Principal:
    key = websocket.headers.get(container_of(websocket).settings.api_key_header)
    if key is None:
        key = await receive_credential(
            websocket, "api_key", too_late="No API key was sent in time.", malformed=FIRST_MESSAGE
        )
    principal: Principal | None = await container_of(websocket).auth.authenticator.authenticate(key)
    if principal is None:
        raise WebSocketAuthError("The API key is invalid or revoked.")
    if ITEMS_READ not in principal.scopes:
        raise WebSocketAuthError(f"The API key lacks the scope {ITEMS_READ}.")
    return principal
