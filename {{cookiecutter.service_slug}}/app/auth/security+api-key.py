"""Who is calling: the API key header checked on every protected request.

The header's name comes from the settings (API_KEY_HEADER, `X-API-Key` by
default); the OpenAPI document names the configured header too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.security import APIKeyHeader, SecurityScopes
from starlette.requests import HTTPConnection

from app.auth.principal import Principal
from app.container import container_of

SCHEME_NAME = "APIKeyHeader"
DEFAULT_HEADER = "X-API-Key"


def unauthorized(request: Request, detail: str, *, invalid_key: bool) -> HTTPException:
    # API keys have no registered HTTP auth scheme; RFC 9110 still requires a
    # challenge on 401. `APIKey` is the one FastAPI's own APIKeyHeader sends.
    header = container_of(request).settings.api_key_header
    challenge = f'APIKey header="{header}"'
    if invalid_key:
        challenge += ', error="invalid_key"'
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge}
    )


class ConfiguredAPIKeyHeader(APIKeyHeader):
    """Reads the header named in the settings of the app serving the request."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        return request.headers.get(container_of(request).settings.api_key_header) or None


class APIKeyPrincipal(ConfiguredAPIKeyHeader):
    """The API key scheme that also checks the key: the caller, or a 401 or 403.

    One dependency where a scheme, a key lookup and a scope check would be
    three: FastAPI solves every dependency again on every request.
    """

    def __init__(self) -> None:
        # auto_error=False: the 401 below is a problem+json naming the header to
        # send. Every instance is the same scheme in the OpenAPI document.
        super().__init__(name=DEFAULT_HEADER, scheme_name=SCHEME_NAME, auto_error=False)

    # The scheme's header lookup, then the principal instead of the raw key.
    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Principal:
        key = await super().__call__(request)
        if key is None:
            header = container_of(request).settings.api_key_header
            detail = f"Send an API key in the {header} header."
            raise unauthorized(request, detail, invalid_key=False)
        principal = await container_of(request).auth.authenticator.authenticate(key)
        if principal is None:
            raise unauthorized(request, "The API key is invalid or revoked.", invalid_key=True)
        missing = set(security_scopes.scopes) - principal.scopes
        if missing:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"The API key lacks the scope {' '.join(sorted(missing))}.",
            )
        return principal


get_principal = APIKeyPrincipal()


def document_header(app: FastAPI, header: str) -> None:
    """Make the OpenAPI security scheme name the header this app reads."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schema["components"]["securitySchemes"][SCHEME_NAME]["name"] = header
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
