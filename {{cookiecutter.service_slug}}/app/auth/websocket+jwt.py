"""Authenticating a WebSocket: the access token arrives in the first message.

The client opens the socket and sends `{"token": "<access token>"}`; see
app/auth/handshake.py for the rules every socket follows.
"""

from __future__ import annotations

import jwt
from fastapi import WebSocket

from app.auth.handshake import WebSocketAuthError, principal_or_close, receive_credential
from app.auth.principal import Principal
from app.auth.scopes import ITEMS_READ
from app.container import container_of

FIRST_MESSAGE = 'The first message must be {"token": "<access token>"}.'


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    """The caller of an accepted socket (with items:read), or None after closing it with the reason.

    The event feed calls only this function: each auth scheme provides its own.
    """
    return await principal_or_close(websocket, _principal)


async def _principal(websocket: WebSocket) -> Principal:
    token = await receive_credential(
        websocket, "token", too_late="No token was sent in time.", malformed=FIRST_MESSAGE
    )
    try:
        claims = await container_of(websocket).auth.token_verifier.verify(token)
    except jwt.PyJWTError:
        raise WebSocketAuthError("The access token is invalid or expired.") from None
    if ITEMS_READ not in claims.scopes:
        raise WebSocketAuthError(f"The access token lacks the scope {ITEMS_READ}.")
    return Principal(subject=claims.subject, scopes=claims.scopes)
