"""One error shape for every response: RFC 9457 problem details.

Services raise the domain errors defined here; the handlers below turn them,
HTTP errors and validation errors into
application/problem+json so clients parse a single format. Unexpected exceptions become a 500
problem in app.middleware, where the request id is still known, or a 503 when they say a
dependency cannot be reached (app.outages).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPMethod, HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_MEDIA_TYPE = "application/problem+json"


class DomainError(Exception):
    """Base of the errors services raise; each maps to one HTTP status."""

    status = HTTPStatus.BAD_REQUEST
    # A machine-readable code, sent as the problem's `error` member when set.
    error_code: str | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    status = HTTPStatus.NOT_FOUND


class ConflictError(DomainError):
    status = HTTPStatus.CONFLICT
{%- if cookiecutter.auth == "jwt" %}


class ForbiddenError(DomainError):
    status = HTTPStatus.FORBIDDEN


class InvalidGrantError(DomainError):
    """Wrong credentials or an unusable refresh token (RFC 6749, section 5.2)."""

    error_code = "invalid_grant"


class PasswordPolicyError(DomainError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}


class ScopeError(DomainError):
    """Scopes that do not exist, or none at all, for a new API key."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
{%- endif %}


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": "about:blank", "title": phrase, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def unavailable_problem(
    dependency: str, retry_after_seconds: int, *, instance: str
) -> JSONResponse:
    """503 for a request that met an outage: the client may retry, and when."""
    return problem_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        f"The {dependency} is unavailable; retry later.",
        instance=instance,
        headers={"Retry-After": str(retry_after_seconds)},
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extensions: dict[str, Any] = {} if exc.error_code is None else {"error": exc.error_code}
    return problem_response(exc.status, exc.detail, instance=request.url.path, **extensions)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = exc.headers
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method of the request's path, as the OpenAPI document lists them.

    Starlette's own Allow names only the methods of the first route matching the path,
    and GET /items and POST /items are two routes. Each method is tried through the
    routes' public `matches`, which sees into the routers FastAPI includes. A path that
    two templates match (/users/me, /users/{user_id}) keeps the methods of the template
    that was matched first, the one the document describes.
    """
    routed = [
        method.value
        for method in HTTPMethod
        if any(
            route.matches({**request.scope, "method": method.value})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    template = getattr(request.scope.get("route"), "path", None)
    documented = request.app.openapi().get("paths", {}).get(template)
    if documented is None:
        return routed
    return [method for method in routed if method.lower() in documented]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem_response(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The request is invalid; see errors for each field.",
        instance=request.url.path,
        errors=jsonable_encoder(errors),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
