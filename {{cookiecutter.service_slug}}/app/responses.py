"""What each operation answers besides success, so the OpenAPI document tells the truth.

Routers declare the problems their handlers raise, with `problem(404, "No such item.")`,
`problems(...)` or the named sets below. `document_problems` then corrects what FastAPI
generates by itself: error bodies are application/problem+json, every 422 is a
`ValidationProblem` (FastAPI's HTTPValidationError is never sent), and answers that do not
depend on the handler are added where they apply: 400 (undecodable) and 413 (too large, the
limit runs before routing) on every operation with a request body, 401 and 403 on every
secured operation.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from app.errors import PROBLEM_MEDIA_TYPE
from app.schemas.problem import Problem, ValidationProblem

Responses = dict[int | str, dict[str, Any]]
OpenAPI = dict[str, Any]

DESCRIPTIONS: dict[int, str] = {
    400: "The request cannot be served as it is.",
    401: "Missing, invalid or expired credentials.",
    403: "The credentials lack a scope or permission the operation needs.",
    404: "No such resource.",
    409: "Conflicts with the current state.",
    413: "The request body is larger than the service accepts.",
    422: "Invalid parameters or body: `errors` names each field.",
    429: "Too many attempts: retry after `Retry-After` seconds.",
    503: "A dependency is unreachable: retry after `Retry-After` seconds.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
CHALLENGE = {
    "WWW-Authenticate": {
        "description": "The authentication scheme to use (RFC 9110, section 11.6.1).",
        "schema": {"type": "string"},
    }
}
HEADERS = {401: CHALLENGE, 429: RETRY_AFTER, 503: RETRY_AFTER}
# FastAPI's answer to a body it cannot decode at all (not UTF-8, not a form).
UNPARSABLE_BODY = "The body cannot be parsed."


def problem(
    status: int, description: str | None = None, *, model: type[Problem] = Problem
) -> Responses:
    """One error response, for a router's or an operation's `responses=`."""
    response: dict[str, Any] = {"model": model, "description": description or DESCRIPTIONS[status]}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return {status: response}


def problems(*statuses: int) -> Responses:
    """Error responses with their usual descriptions."""
    return {status: problem(status)[status] for status in statuses}


# Every operation that reads or writes the store: an outage answers 503.
STORE = problems(HTTPStatus.SERVICE_UNAVAILABLE)
# A list page's neighbours, as in its body's `next` and `prev` (RFC 8288).
LINKED_PAGE: Responses = {
    HTTPStatus.OK.value: {
        "headers": {
            "Link": {
                "description": 'URLs of the next and previous pages: `<url>; rel="next"`, '
                '`<url>; rel="prev"`; absent when there is neither.',
                "schema": {"type": "string"},
            }
        }
    }
}


def amend_openapi(app: FastAPI, amend: Callable[[OpenAPI], None]) -> None:
    """Run `amend` on the document FastAPI generates; FastAPI caches it, so `amend` runs
    on the same document at every call and must be idempotent."""
    generate: Callable[[], OpenAPI] = app.openapi

    def openapi() -> OpenAPI:
        document = generate()
        amend(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def document_problems(app: FastAPI) -> None:
    amend_openapi(app, _declare_problems)


def _schemas() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(Problem, "serialization"), (ValidationProblem, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = definitions["$defs"]
    return schemas


def _problem_response(
    status: int, schema: str = "Problem", description: str | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or DESCRIPTIONS[status],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _declare_problems(document: OpenAPI) -> None:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses: dict[str, Any] = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("400", _problem_response(400, description=UNPARSABLE_BODY))
                responses.setdefault("413", _problem_response(413))
            if operation.get("security"):
                responses.setdefault("401", _problem_response(401))
                responses.setdefault("403", _problem_response(403))
            if "422" in responses:
                responses["422"] = _problem_response(422, "ValidationProblem")
            for status, response in responses.items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(_schemas())
