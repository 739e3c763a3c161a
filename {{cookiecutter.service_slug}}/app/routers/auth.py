"""OAuth2 password flow (Swagger's Authorize button uses it), refresh and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status

from app.auth.throttle import LoginThrottled
from app.dependencies import AuthServiceDep
from app.responses import STORE, problem
from app.schemas.text import NO_NUL
from app.schemas.user import RefreshTokenRequest, TokenResponse
from app.services.auth import TokenPair

router = APIRouter(prefix="/auth", tags=["auth"], responses=STORE)

INVALID_GRANT = problem(
    status.HTTP_400_BAD_REQUEST,
    'Wrong credentials or unusable refresh token (`"error": "invalid_grant"`, RFC 6749 5.2).',
)
THROTTLED = problem(status.HTTP_429_TOO_MANY_REQUESTS, "Too many failed logins: wait and retry.")


def _response(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        scope=" ".join(sorted(pair.scopes)),
    )


@router.post("/token", responses=INVALID_GRANT | THROTTLED)
async def login(
    request: Request,
    service: AuthServiceDep,
    username: Annotated[
        str, Form(max_length=320, pattern=NO_NUL, description="The account's email address.")
    ],
    password: Annotated[
        str, Form(max_length=128, pattern=NO_NUL, json_schema_extra={"format": "password"})
    ],
    grant_type: Annotated[str, Form(pattern="^password$")] = "password",
    scope: Annotated[
        str,
        Form(max_length=200, pattern=NO_NUL, description="Space-separated scopes; empty for all."),
    ] = "",
) -> TokenResponse:
    """Exchange email and password for an access token and a refresh token.

    Attempts are limited per client address and failures per account (429 with Retry-After).
    """
    address = request.client.host if request.client else "unknown"
    try:
        pair = await service.login(username, password, frozenset(scope.split()), address)
    except LoginThrottled as throttled:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "Too many login attempts; retry later.",
            headers={"Retry-After": str(throttled.retry_after)},
        ) from None
    return _response(pair)


@router.post("/refresh", responses=INVALID_GRANT)
async def refresh(payload: RefreshTokenRequest, service: AuthServiceDep) -> TokenResponse:
    """Rotate: the refresh token is spent and a new pair returned.

    Presenting a spent refresh token again revokes every token of its login.
    """
    return _response(await service.refresh(payload.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(payload: RefreshTokenRequest, service: AuthServiceDep) -> None:
    """Revoke the refresh token and every token rotated from the same login."""
    await service.logout(payload.refresh_token)
