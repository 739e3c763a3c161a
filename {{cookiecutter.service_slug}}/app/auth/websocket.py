{% if cookiecutter.auth == "jwt" -%}
"""Authenticating a WebSocket: the access token arrives in the first message.

Browsers cannot set an Authorization header on a WebSocket, and a token in the
URL ends up in access logs and proxy logs; so the client opens the socket and
sends `{"token": "<access token>"}` within AUTH_TIMEOUT_SECONDS. Anything else
closes the socket with code 1008 (policy violation) and a reason.
"""

from __future__ import annotations

import asyncio

import jwt
from fastapi import WebSocket, WebSocketDisconnect, status

from app.auth.scopes import ADMIN, ITEMS_READ
from app.container import container_of
from app.models.user import Principal

AUTH_TIMEOUT_SECONDS = 5.0


class WebSocketAuthError(Exception):
    """The socket did not authenticate; the message is the close reason."""


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    """The caller of an accepted socket (with items:read), or None after closing it with the reason.

    The event feed calls only this function: another auth scheme plugs in by
    providing its own `authenticate_websocket`.
    """
    try:
        principal = await _principal(websocket, ITEMS_READ)
    except WebSocketAuthError as error:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(error))
        return None
    return principal


async def _principal(websocket: WebSocket, required_scope: str) -> Principal:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            message = await websocket.receive_json()
    except TimeoutError:
        raise WebSocketAuthError("No token was sent in time.") from None
    except (ValueError, WebSocketDisconnect):
        raise WebSocketAuthError('The first message must be {"token": "<access token>"}.') from None
    token = message.get("token") if isinstance(message, dict) else None
    if not isinstance(token, str):
        raise WebSocketAuthError('The first message must be {"token": "<access token>"}.')
    try:
        claims = await container_of(websocket).auth.token_verifier.verify(token)
    except jwt.PyJWTError:
        raise WebSocketAuthError("The access token is invalid or expired.") from None
    if required_scope not in claims.scopes:
        raise WebSocketAuthError(f"The access token lacks the scope {required_scope}.")
    return Principal(user_id=claims.subject, scopes=claims.scopes, is_admin=ADMIN in claims.scopes)
{%- else -%}
"""Authenticating a WebSocket: the API key in its header, or in the first message.

A service opening the socket sends the key in the API key header
(API_KEY_HEADER, `X-API-Key` by default), as on every other request. Browsers
cannot set headers on a WebSocket, and a key in the URL ends up in access logs
and proxy logs; so without the header the client sends `{"api_key": "<key>"}`
as its first message within AUTH_TIMEOUT_SECONDS. Anything else closes the
socket with code 1008 (policy violation) and a reason.
"""

from __future__ import annotations

import asyncio

from fastapi import WebSocket, WebSocketDisconnect, status

from app.auth.scopes import ITEMS_READ
from app.models.api_key import Principal

AUTH_TIMEOUT_SECONDS = 5.0
FIRST_MESSAGE = 'Send the API key in its header or as the first message {"api_key": "<key>"}.'


class WebSocketAuthError(Exception):
    """The socket did not authenticate; the message is the close reason."""


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    """The caller of an accepted socket (with items:read), or None after closing it with the reason.

    The event feed calls only this function: each auth scheme provides its own.
    """
    try:
        principal = await _principal(websocket, ITEMS_READ)
    except WebSocketAuthError as error:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(error))
        return None
    return principal


async def _principal(websocket: WebSocket, required_scope: str) -> Principal:
    key = websocket.headers.get(container_of(websocket).settings.api_key_header)
    if key is None:
        key = await _key_from_first_message(websocket)
    principal: Principal | None = await container_of(websocket).auth.authenticator.authenticate(key)
    if principal is None:
        raise WebSocketAuthError("The API key is invalid or revoked.")
    if required_scope not in principal.scopes:
        raise WebSocketAuthError(f"The API key lacks the scope {required_scope}.")
    return principal


async def _key_from_first_message(websocket: WebSocket) -> str:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            message = await websocket.receive_json()
    except TimeoutError:
        raise WebSocketAuthError("No API key was sent in time.") from None
    except (ValueError, WebSocketDisconnect):
        raise WebSocketAuthError(FIRST_MESSAGE) from None
    key = message.get("api_key") if isinstance(message, dict) else None
    if not isinstance(key, str):
        raise WebSocketAuthError(FIRST_MESSAGE)
    return key
{%- endif %}
