{%- if cookiecutter.database == "mongo" %}
{%- set missing_id = "6650f0c0a0b0c0d0e0f01234" %}
{%- set other_missing_id = "6650f0c0a0b0c0d0e0f04242" %}
{%- else %}
{%- set missing_id = "999999" %}
{%- set other_missing_id = "424242" %}
{%- endif -%}
"""The items API over HTTP: CRUD and every error status (paging: test_pagination.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

PROBLEM = "application/problem+json"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/items", json={"name": "widget", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_returns_item_and_location(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", json={"name": "  widget ", "description": "blue", "quantity": 3}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "widget"
    assert body["description"] == "blue"
    assert body["quantity"] == 3
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert response.headers["location"] == f"http://test/items/{body['id']}"


async def post_to_host(
    app: FastAPI, credentials: dict[str, str], host: str, name: str
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://{host}", headers=credentials
    ) as client:
        response = await client.post("/items", json={"name": name})
    assert response.status_code == 201, response.text
    return response


async def test_location_names_the_host_and_root_path_each_request_came_with(
    app: FastAPI, credentials: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=app, root_path="/orders")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/orders", headers=credentials
    ) as mounted:
        under_root = await mounted.post("/items", json={"name": "mounted"})
    first = await post_to_host(app, credentials, "a.example:8080", "first")
    second = await post_to_host(app, credentials, "b.example", "second")

    assert under_root.headers["location"] == f"http://test/orders/items/{under_root.json()['id']}"
    assert first.headers["location"] == f"http://a.example:8080/items/{first.json()['id']}"
    assert second.headers["location"] == f"http://b.example/items/{second.json()['id']}"


async def test_create_schedules_audit_event_after_response(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.audit"):
        item = await create(client)

    events = [r for r in caplog.records if r.name == "app.audit"]
    assert [(r.event, r.item_id) for r in events] == [("item.created", item["id"])]  # type: ignore[attr-defined]


async def test_every_write_schedules_its_audit_event(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.audit"):
        item = await create(client)
        path = f"/items/{item['id']}"
        assert (await client.put(path, json={"name": "gadget"})).status_code == 200
        assert (await client.patch(path, json={"quantity": 4})).status_code == 200
        assert (await client.delete(path)).status_code == 204

    events = [r for r in caplog.records if r.name == "app.audit"]
    assert [(r.event, r.item_id) for r in events] == [  # type: ignore[attr-defined]
        ("item.created", item["id"]),
        ("item.replaced", item["id"]),
        ("item.updated", item["id"]),
        ("item.deleted", item["id"]),
    ]
    assert [r.getMessage() for r in events] == [
        "item created",
        "item replaced",
        "item updated",
        "item deleted",
    ]


async def test_a_refused_write_records_no_audit_event(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.audit"):
        deleted = await client.delete("/items/{{ missing_id }}")
        patched = await client.patch("/items/{{ missing_id }}", json={"quantity": 1})

    assert (deleted.status_code, patched.status_code) == (404, 404)
    assert [r for r in caplog.records if r.name == "app.audit"] == []


async def test_get_returns_the_stored_item(client: httpx.AsyncClient) -> None:
    item = await create(client, quantity=7)

    response = await client.get(f"/items/{item['id']}")

    assert response.status_code == 200
    assert response.json() == item


async def test_get_missing_item_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/{{ missing_id }}")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Item {{ missing_id }} does not exist.",
        "instance": "/items/{{ missing_id }}",
    }


{% if cookiecutter.database == "mongo" -%}
@pytest.mark.parametrize(
    "bad_id",
    [
        "abc",
        "0",
        "6650f0c0a0b0c0d0e0f0123",  # 23 digits
        "6650f0c0a0b0c0d0e0f0123g",  # not hex
        "6650F0C0A0B0C0D0E0F01234",  # not the canonical lower case
    ],
)
{% else -%}
@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", str(2**63)])
{% endif -%}
async def test_malformed_id_is_422_problem(client: httpx.AsyncClient, bad_id: str) -> None:
    response = await client.get(f"/items/{bad_id}")

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["loc"] == ["path", "item_id"]


async def test_duplicate_name_is_409(client: httpx.AsyncClient) -> None:
    await create(client, name="gadget")

    response = await client.post("/items", json={"name": "gadget"})

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "An item named 'gadget' already exists."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "quantity": -1}, "quantity"),
        ({"name": "ok", "description": "d" * 1001}, "description"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
async def test_invalid_create_is_422_naming_the_field(
    client: httpx.AsyncClient, payload: dict[str, Any], field: str
) -> None:
    response = await client.post("/items", json=payload)

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert [error["loc"][-1] for error in body["errors"]] == [field]


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_put_replaces_every_field(client: httpx.AsyncClient) -> None:
    item = await create(client, description="old", quantity=2)

    response = await client.put(f"/items/{item['id']}", json={"name": "renamed"})

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["quantity"]) == ("renamed", None, 0)
    assert body["created_at"] == item["created_at"]
    # Compared as instants: a timestamp on a whole second is sent without a fraction.
    assert datetime.fromisoformat(body["updated_at"]) >= datetime.fromisoformat(item["updated_at"])


async def test_put_missing_item_is_404(client: httpx.AsyncClient) -> None:
    response = await client.put("/items/{{ other_missing_id }}", json={"name": "x"})

    assert response.status_code == 404


async def test_patch_changes_only_given_fields(client: httpx.AsyncClient) -> None:
    item = await create(client, description="keep", quantity=2)

    response = await client.patch(f"/items/{item['id']}", json={"quantity": 9})

    body = response.json()
    assert (body["name"], body["description"], body["quantity"]) == ("widget", "keep", 9)
    assert (await client.get(f"/items/{item['id']}")).json() == body


async def test_patch_can_clear_description(client: httpx.AsyncClient) -> None:
    item = await create(client, description="remove me")

    response = await client.patch(f"/items/{item['id']}", json={"description": None})

    assert response.json()["description"] is None


async def test_empty_patch_returns_item_unchanged(client: httpx.AsyncClient) -> None:
    item = await create(client)

    response = await client.patch(f"/items/{item['id']}", json={})

    assert response.json() == item


@pytest.mark.parametrize("field", ["name", "quantity"])
async def test_patch_null_for_required_field_is_422(client: httpx.AsyncClient, field: str) -> None:
    item = await create(client)

    response = await client.patch(f"/items/{item['id']}", json={field: None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_patch_to_taken_name_is_409(client: httpx.AsyncClient) -> None:
    await create(client, name="first")
    second = await create(client, name="second")

    response = await client.patch(f"/items/{second['id']}", json={"name": "first"})

    assert response.status_code == 409


async def test_patch_missing_item_is_404(client: httpx.AsyncClient) -> None:
    response = await client.patch("/items/{{ other_missing_id }}", json={"quantity": 1})

    assert response.status_code == 404


async def test_delete_removes_item(client: httpx.AsyncClient) -> None:
    item = await create(client)

    response = await client.delete(f"/items/{item['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/items/{item['id']}")).status_code == 404
    assert (await client.delete(f"/items/{item['id']}")).status_code == 404


async def test_name_is_free_again_after_delete(client: httpx.AsyncClient) -> None:
    item = await create(client, name="reused")
    await client.delete(f"/items/{item['id']}")

    await create(client, name="reused")
