"""The OpenAPI document gives clients generated from it stable method names."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI


def operation_ids(app: FastAPI) -> list[str]:
    return [
        operation["operationId"]
        for path in app.openapi()["paths"].values()
        for operation in path.values()
    ]


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
