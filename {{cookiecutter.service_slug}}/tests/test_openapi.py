"""The OpenAPI document tells the truth: names, error bodies, statuses, limits.

Clients generated from the document get stable method names and parse every error
as the problem type it declares; fuzzers (Schemathesis) find no answer it does not list.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI

PROBLEM = "application/problem+json"
ERROR_SCHEMAS = {"Problem", "ValidationProblem", "ReadinessProblem"}


def operation_ids(app: FastAPI) -> list[str]:
    return [
        operation["operationId"]
        for path in app.openapi()["paths"].values()
        for operation in path.values()
    ]


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]


def schema_name(response: dict[str, Any]) -> str:
    return str(response["content"][PROBLEM]["schema"]["$ref"]).rpartition("/")[2]


def test_operation_ids_are_the_handler_names(app: FastAPI) -> None:
    # FastAPI's default ("list_items_items_get") changes whenever a path or method does.
    assert {
        "list_items",
        "get_item",
        "create_item",
        "replace_item",
        "update_item",
        "delete_item",
        "health",
        "ready",
    } <= set(operation_ids(app))


def test_operation_ids_are_unique(app: FastAPI) -> None:
    repeated = [name for name, count in Counter(operation_ids(app)).items() if count > 1]

    assert repeated == []


def test_every_error_response_is_a_problem_document(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            assert set(response["content"]) == {PROBLEM}, (method, path, status)
            expected = {"ValidationProblem"} if status == "422" else ERROR_SCHEMAS
            assert schema_name(response) in expected, (method, path, status)


def test_fastapis_default_validation_error_schemas_are_gone(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]

    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert schemas["FieldError"]["required"] == ["loc", "msg", "type"]
    errors = schemas["ValidationProblem"]["properties"]["errors"]
    assert errors["items"] == {"$ref": "#/components/schemas/FieldError"}


async def test_a_real_422_has_the_declared_shape(app: FastAPI, client: httpx.AsyncClient) -> None:
    schemas = app.openapi()["components"]["schemas"]

    response = await client.post("/items", json={"name": ""})

    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert set(schemas["ValidationProblem"]["required"]) <= set(body)
    assert set(body) <= set(schemas["ValidationProblem"]["properties"])
    assert [set(error) for error in body["errors"]] == [set(schemas["FieldError"]["properties"])]


def test_every_operation_with_a_body_may_answer_400_413_and_422(app: FastAPI) -> None:
    with_body = [(m, p, o) for m, p, o in operations(app) if "requestBody" in o]

    assert with_body
    for method, path, operation in with_body:
        assert {"400", "413", "422"} <= set(operation["responses"]), (method, path)


def test_401_and_403_are_declared_exactly_where_credentials_are_checked(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        statuses = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403"} <= statuses, (method, path)
        else:
            assert "401" not in statuses, (method, path)


def test_every_items_operation_may_answer_503_with_retry_after(app: FastAPI) -> None:
    items = [(m, p, o) for m, p, o in operations(app) if p.startswith("/items")]

    assert len(items) == 6
    for method, path, operation in items:
        unavailable = operation["responses"]["503"]
        assert "Retry-After" in unavailable["headers"], (method, path)


def test_probes_have_typed_bodies(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    ready = paths["/ready"]["get"]["responses"]

    assert paths["/health"]["get"]["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Health"}
    }
    assert ready["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Readiness"}
    }
    assert schema_name(ready["503"]) == "ReadinessProblem"


def test_fields_that_refuse_null_are_not_nullable(app: FastAPI) -> None:
    patch = app.openapi()["components"]["schemas"]["ItemPatch"]["properties"]

    assert patch["name"]["type"] == "string"
    assert patch["quantity"]["type"] == "integer"
    assert {"type": "null"} in patch["description"]["anyOf"]  # null clears it


async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # GET /items and POST /items are two routes; Starlette alone would name only one.
    for path, allowed in (("/items", "GET, POST"), ("/items/1", "DELETE, GET, PATCH, PUT")):
        response = await client.request("TRACE", path)

        assert response.status_code == 405
        assert response.headers["allow"] == allowed
        assert response.headers["content-type"] == PROBLEM


async def test_nul_in_a_string_is_refused_on_every_store(client: httpx.AsyncClient) -> None:
    # PostgreSQL cannot store U+0000; SQLite and MongoDB would. One contract for all.
    for payload in ({"name": "a\u0000b"}, {"name": "ok", "description": "\u0000"}):
        response = await client.post("/items", json=payload)

        assert response.status_code == 422, payload
        assert response.json()["errors"][0]["type"] == "string_pattern_mismatch"


async def test_integers_refuse_booleans_and_strings(client: httpx.AsyncClient) -> None:
    for quantity in (True, "3"):
        response = await client.post("/items", json={"name": f"q-{quantity}", "quantity": quantity})

        assert response.status_code == 422, quantity
        assert response.json()["errors"][0]["loc"] == ["body", "quantity"]
    # JSON Schema's integer includes 3.0.
    accepted = await client.post("/items", json={"name": "float", "quantity": 3.0})
    assert (accepted.status_code, accepted.json()["quantity"]) == (201, 3)
